package org.siglip4j.train;

import org.siglip4j.core.nn.MallocTuning;

/**
 * A {@link TrainingListener} an application installs when it has tuned the process's allocator
 * ({@link MallocTuning#apply()}) and goes on after training: once the steps are done, it gives the
 * memory glibc keeps free for reuse back to the system ({@link MallocTuning#releaseFreeMemory()}),
 * so the process does not stay at the run's peak. The trainers never do this themselves: the
 * allocator belongs to the application (the {@code siglip} command line installs it).
 */
public final class ReleaseFreeMemory implements TrainingListener {

    @Override
    public void onStepsDone(int completedSteps) {
        MallocTuning.releaseFreeMemory();
    }
}
