package org.siglip4j.core.checkpoint.format;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.BiFunction;
import org.siglip4j.core.checkpoint.Checkpoint;
import org.siglip4j.core.checkpoint.SafetensorsReader;

/** Named tensors of a checkpoint file in some layout, loaded one at a time as float32 NDArrays. */
public interface TensorSource extends AutoCloseable {
    /** The file or folder, for messages. */
    Path source();

    /** Every tensor name. */
    Set<String> names();

    /**
     * Loads one tensor.
     *
     * @param name tensor name
     * @param manager owner of the array
     * @return the array (F16/BF16 widened to float32)
     */
    NDArray load(String name, NDManager manager);

    @Override
    void close();

    /** A safetensors file. */
    static TensorSource safetensors(Path file) {
        SafetensorsReader r = SafetensorsReader.open(file);
        return over(file, r.tensors().keySet(), r::load, r::close);
    }

    /** The weights of a Hugging Face folder (single file or shards). */
    static TensorSource huggingFace(Path dir) {
        Checkpoint c = Checkpoint.open(dir);
        return over(c.source(), c.tensors().keySet(), c::load, c::close);
    }

    /** A source over an open reader's names, loader and close (the two readers share no type). */
    private static TensorSource over(Path source, Set<String> names, BiFunction<String, NDManager, NDArray> load,
            Runnable close) {
        return new TensorSource() {
            @Override
            public Path source() {
                return source;
            }

            @Override
            public Set<String> names() {
                return names;
            }

            @Override
            public NDArray load(String name, NDManager manager) {
                return load.apply(name, manager);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
