package org.siglip4j.core.tokenizer;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A byte-keyed double-array trie (Aoe's layout, as darts-clone and sentencepiece use for their
 * vocabularies) for the common-prefix search of the Unigram lattice: from a start position, every
 * vocabulary piece that is a prefix of the remaining UTF-8 bytes, one array probe per byte.
 *
 * <p>A node is the offset {@code o} of its three ints {@code [base, check, value]}, side by side so
 * a step touches one cache line: its child for byte {@code b} is {@code c = cells[o] + 3b}, valid
 * when {@code cells[c + 1] == o}; {@code cells[c + 2]} is the value of the key that ends at
 * {@code c}, or -1. The array is padded so that {@code c + 1} is always inside it: a step is two
 * loads and a compare. Immutable and thread-safe once built.
 */
final class DoubleArrayTrie {
    private static final int FREE = -1;

    /**
     * {@code [base, check, value]} per node; node 0 is the root. Read directly by the Viterbi loop
     * of {@link SentencePieceEncoder}, which inlines {@link #child} and {@link #value}.
     */
    final int[] cells;

    private DoubleArrayTrie(int[] cells) {
        this.cells = cells;
    }

    /**
     * Builds the trie.
     *
     * @param keys non-empty, distinct byte strings
     * @param values one value (>= 0) per key
     * @return the trie
     * @throws IllegalArgumentException on an empty or repeated key
     */
    static DoubleArrayTrie build(byte[][] keys, int[] values) {
        Integer[] order = new Integer[keys.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Comparator<Integer> byKey = (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]);
        Arrays.sort(order, byKey);
        byte[][] sorted = new byte[keys.length][];
        int[] sortedValues = new int[keys.length];
        for (int i = 0; i < order.length; i++) {
            sorted[i] = keys[order[i]];
            sortedValues[i] = values[order[i]];
            if (sorted[i].length == 0 || i > 0 && Arrays.equals(sorted[i], sorted[i - 1])) {
                throw new IllegalArgumentException("empty or repeated trie key");
            }
        }
        Builder b = new Builder(sorted, sortedValues);
        b.placeAll();
        // node numbers to offsets; padding so that base + 3 * 255 + 1 never leaves the array
        int maxBase = 0;
        for (int n = 0; n <= b.maxNode; n++) {
            maxBase = Math.max(maxBase, b.cells[3 * n]);
        }
        int[] cells = new int[3 * (Math.max(b.maxNode, maxBase + 255) + 1)];
        Arrays.fill(cells, FREE);
        for (int n = 0; n <= b.maxNode; n++) {
            int check = b.cells[3 * n + 1];
            cells[3 * n] = 3 * Math.max(0, b.cells[3 * n]);
            cells[3 * n + 1] = n == 0 || check == FREE ? FREE : 3 * check;
            cells[3 * n + 2] = b.cells[3 * n + 2];
        }
        return new DoubleArrayTrie(cells);
    }

    /** @return the root node, where every walk starts */
    static int root() {
        return 0;
    }

    /**
     * One step of a walk.
     *
     * @param node the current node
     * @param b the next byte (0-255)
     * @return the child node, or -1 when no key continues with {@code b}
     */
    int child(int node, int b) {
        int c = cells[node] + 3 * b;
        return cells[c + 1] == node ? c : -1;
    }

    /**
     * @param node a node reached by {@link #child}
     * @return the value of the key that ends at the node, or -1
     */
    int value(int node) {
        return cells[node + 2];
    }

    /**
     * Walks {@code key[from, to)} from the root; if the walk gets through, marks every byte that
     * continues it (the bytes after which some key could still match).
     *
     * @param key bytes
     * @param from first byte of the walk
     * @param to end of the walk
     * @param out set to true for each continuing byte
     */
    void markContinuations(byte[] key, int from, int to, boolean[] out) {
        int node = root();
        for (int i = from; i < to && node >= 0; i++) {
            node = child(node, key[i] & 0xFF);
        }
        for (int b = 0; node >= 0 && b < 256; b++) {
            out[b] |= child(node, b) >= 0;
        }
    }

    /** Places nodes, each at the lowest base whose child cells are all free. */
    private static final class Builder {
        private final byte[][] keys;
        private final int[] values;
        private int[] cells;
        /** Cells below this index are all used: the base search starts here. */
        private int firstFree = 1;
        private int maxNode;

        Builder(byte[][] keys, int[] values) {
            this.keys = keys;
            this.values = values;
            int n = 3 * Math.max(256, keys.length * 4);
            cells = new int[n];
            Arrays.fill(cells, FREE);
            cells[1] = 0; // the root is used (its check is never read)
        }

        /** Places every node; an explicit stack, since a key may be thousands of bytes long. */
        void placeAll() {
            ArrayDeque<int[]> todo = new ArrayDeque<>();
            todo.push(new int[] {0, 0, keys.length, 0});
            int[] labels = new int[256];
            int[] firsts = new int[257];
            while (!todo.isEmpty()) {
                int[] t = todo.pop();
                int node = t[0];
                int from = t[1];
                int to = t[2];
                int depth = t[3];
                // keys [from, to) share their first depth bytes; one of exactly that length ends here
                if (keys[from].length == depth) {
                    cells[3 * node + 2] = values[from];
                    from++;
                }
                if (from == to) {
                    cells[3 * node] = 0;
                    continue;
                }
                int n = 0;
                for (int i = from; i < to; i++) {
                    int label = keys[i][depth] & 0xFF;
                    if (n == 0 || labels[n - 1] != label) {
                        labels[n] = label;
                        firsts[n] = i;
                        n++;
                    }
                }
                firsts[n] = to;
                int base = findBase(labels, n);
                cells[3 * node] = base;
                for (int k = 0; k < n; k++) {
                    int c = base + labels[k];
                    ensure(c);
                    cells[3 * c + 1] = node;
                    maxNode = Math.max(maxNode, c);
                }
                while (firstFree < cells.length / 3 && cells[3 * firstFree + 1] != FREE) {
                    firstFree++;
                }
                for (int k = n - 1; k >= 0; k--) {
                    todo.push(new int[] {base + labels[k], firsts[k], firsts[k + 1], depth + 1});
                }
            }
        }

        private int findBase(int[] labels, int n) {
            for (int base = Math.max(1, firstFree - labels[0]);; base++) {
                boolean fits = true;
                for (int k = 0; k < n && fits; k++) {
                    int c = base + labels[k];
                    fits = 3 * c + 1 >= cells.length || cells[3 * c + 1] == FREE;
                }
                if (fits) {
                    return base;
                }
            }
        }

        private void ensure(int node) {
            if (3 * node + 2 >= cells.length) {
                int old = cells.length;
                cells = Arrays.copyOf(cells, Math.max(old * 2, 3 * (node + 256)));
                Arrays.fill(cells, old, cells.length, FREE);
            }
        }
    }
}
