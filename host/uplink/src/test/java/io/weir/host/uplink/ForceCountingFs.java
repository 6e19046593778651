package io.weir.host.uplink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.store.fs.FileBase;
import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * An H2 file system ({@code jdbc:h2:forcecount:/path}) that counts {@link FileChannel#force} calls:
 * how a test sees whether the outbox asks the OS to put its file on the disk (fsync), which is what
 * survives a power cut (UPLINK.md §7.3).
 */
public final class ForceCountingFs extends FilePathWrapper {
    static final AtomicInteger FORCES = new AtomicInteger();
    private static boolean registered;

    static synchronized void register() {
        if (!registered) {
            FilePath.register(new ForceCountingFs());
            registered = true;
        }
    }

    @Override
    public String getScheme() {
        return "forcecount";
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        return new Counting(getBase().open(mode));
    }

    private static final class Counting extends FileBase {
        private final FileChannel base;

        Counting(FileChannel base) {
            this.base = base;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            FORCES.incrementAndGet();
            base.force(metaData);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return base.read(dst);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return base.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return base.write(src);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return base.write(src, position);
        }

        @Override
        public long position() throws IOException {
            return base.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            base.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return base.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            base.truncate(size);
            return this;
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return base.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            base.close();
        }
    }
}
