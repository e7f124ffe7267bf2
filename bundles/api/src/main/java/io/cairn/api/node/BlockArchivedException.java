package io.cairn.api.node;

/**
 * A block's body or receipts were moved out of the hot store into an archive file (docs/operations.md, Archiving
 * cold blocks), and that file cannot be read now: it is missing, or it is not the file that was written (its
 * size or hash differs), or it does not decode. The message names the block, the archive file and the blocks it
 * holds; the header of the block is still held. Nothing is wrong with the node: putting the archive back (or
 * {@code cairn:archive restore} from a copy) makes the block readable again.
 */
public class BlockArchivedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String archive;
    private final long first;
    private final long last;

    public BlockArchivedException(String message, String archive, long first, long last) {
        super(message);
        this.archive = archive;
        this.first = first;
        this.last = last;
    }

    /** The archive file's path, as recorded when it was written. */
    public String archive() {
        return archive;
    }

    /** The first block whose body the archive file holds for this node. */
    public long first() {
        return first;
    }

    /** The last block whose body the archive file holds for this node. */
    public long last() {
        return last;
    }
}
