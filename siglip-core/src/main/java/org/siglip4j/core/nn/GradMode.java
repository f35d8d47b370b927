package org.siglip4j.core.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch, which is THREAD-LOCAL and on by default in every new thread: an
 * inference call on a fresh thread with trainable parameters would otherwise record a graph. DJL
 * only turns it on/off inside a {@code GradientCollector}; inference code disables it explicitly
 * and restores the previous state afterwards.
 */
public final class GradMode implements AutoCloseable {
    private final boolean previous;
    private final boolean pytorch;

    private GradMode(boolean enabled) {
        pytorch = "PyTorch".equals(Engine.getInstance().getEngineName());
        previous = pytorch && JniUtils.isGradMode();
        if (pytorch) {
            JniUtils.setGradMode(enabled);
        }
    }

    /** Turns autograd off on this thread until {@link #close()}. */
    public static GradMode disabled() {
        return new GradMode(false);
    }

    /** Turns autograd on on this thread until {@link #close()} (a recomputation that must record a graph). */
    public static GradMode enabled() {
        return new GradMode(true);
    }

    /** Whether autograd records on this thread (always false for other engines). */
    public static boolean isEnabled() {
        return "PyTorch".equals(Engine.getInstance().getEngineName()) && JniUtils.isGradMode();
    }

    @Override
    public void close() {
        if (pytorch) {
            JniUtils.setGradMode(previous);
        }
    }
}
