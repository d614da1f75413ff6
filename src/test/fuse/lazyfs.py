#!/usr/bin/python3
"""lazyfs: a pass-through FUSE filesystem that forgets everything not fsynced when the power goes.

    /usr/bin/python3 lazyfs.py BACKING STATE MOUNTPOINT

serves the directory BACKING at MOUNTPOINT. Every operation goes straight to BACKING, so while the
power is on the mount behaves like any local filesystem (reads see unsynced writes). Beside it,
STATE holds what a disk would still have after a power cut:

  * a regular file's bytes and size as of its last fsync/fdatasync (one copy per file, under
    STATE/content, kept up to date by copying only the byte ranges written or truncated since);
  * a directory's entries (names and the files or directories they name) as of its last fsync.

So a new, renamed or unlinked name survives only once its directory is fsynced, and a file's data
only once the file is fsynced. This is the POSIX minimum, stricter than ext4 (where fsync of a new
file in practice also commits its name, and a journal commit flushes other files' data in
data=ordered mode); unsynced bytes are always lost whole, never partly kept or torn. Inode metadata
(mode, owner, times) is not modelled. A name whose directory was fsynced but whose file never was
comes back as an empty file; a directory never fsynced comes back empty.

The power cut itself: the test kills the process using the mount (kill -9), then ends this process
(SIGTERM, which unmounts). Nothing is written after the kill, so what STATE holds is exactly what
the disk held at that instant. The next start finds STATE from the previous run and first rebuilds
BACKING from it ("power comes back"), prints what the cut lost, then adopts BACKING as durable and
mounts it. The first start (no STATE yet) adopts BACKING as it is.

Not supported (fail with EPERM): hard links, symlinks, device nodes. Single-threaded on purpose.
"""
import errno
import json
import os
import shutil
import signal
import stat
import sys
import threading
import time

import fusepy

CHUNK = 1 << 20
MAX_RANGES = 256


class Durable:
    """What survives a power cut, kept in STATE: content/<id> per file, dirs.json for directories."""

    def __init__(self, state):
        self.state = state
        self.content_dir = os.path.join(state, 'content')
        self.dirs_file = os.path.join(state, 'dirs.json')

    def exists(self):
        return os.path.exists(self.dirs_file)

    def load(self):
        with open(self.dirs_file) as f:
            saved = json.load(f)
        dirs = {int(d): {name: (kind, int(i)) for name, (kind, i) in entries.items()}
                for d, entries in saved['dirs'].items()}
        return saved['root'], dirs

    def save_dirs(self, root, dirs):
        tmp = self.dirs_file + '.tmp'
        with open(tmp, 'w') as f:
            json.dump({'root': root,
                       'dirs': {str(d): {n: [k, i] for n, (k, i) in e.items()} for d, e in dirs.items()}},
                      f)
        os.replace(tmp, self.dirs_file)

    def content(self, file_id):
        return os.path.join(self.content_dir, str(file_id))


def rebuild(backing, durable):
    """Power comes back: BACKING becomes what STATE says survived. Returns what the cut lost."""
    root, dirs = durable.load()
    lost = {'files_with_unsynced_data': 0, 'unsynced_bytes': 0, 'unsynced_names': 0}
    expected = {}

    def walk_durable(rel, dir_id):
        for name, (kind, i) in dirs.get(dir_id, {}).items():
            path = os.path.join(rel, name)
            expected[path] = (kind, i)
            if kind == 'd':
                walk_durable(path, i)

    walk_durable('', root)
    for parent, subdirs, files in os.walk(backing):
        for name in subdirs + files:
            rel = os.path.relpath(os.path.join(parent, name), backing)
            if rel not in expected:
                lost['unsynced_names'] += 1
            elif expected[rel][0] == 'f':
                live = os.path.join(backing, rel)
                kept = durable.content(expected[rel][1])
                kept_size = os.path.getsize(kept) if os.path.exists(kept) else 0
                if not same_bytes(live, kept):
                    lost['files_with_unsynced_data'] += 1
                    lost['unsynced_bytes'] += max(os.path.getsize(live) - kept_size, 0)
    lost['names_restored'] = sum(1 for p in expected if not os.path.lexists(os.path.join(backing, p)))

    for name in os.listdir(backing):
        path = os.path.join(backing, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)

    def build(path, dir_id):
        for name, (kind, i) in dirs.get(dir_id, {}).items():
            target = os.path.join(path, name)
            if kind == 'd':
                os.mkdir(target)
                build(target, i)
            elif os.path.exists(durable.content(i)):
                shutil.copyfile(durable.content(i), target)
            else:
                open(target, 'wb').close()

    build(backing, root)
    return lost


def same_bytes(a, b):
    if not os.path.exists(b):
        return os.path.getsize(a) == 0
    if os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, 'rb') as fa, open(b, 'rb') as fb:
        while True:
            ca, cb = fa.read(CHUNK), fb.read(CHUNK)
            if ca != cb:
                return False
            if not ca:
                return True


class LazyFs(fusepy.Operations):
    def __init__(self, backing, durable):
        self.backing = backing
        self.durable = durable
        self.next_id = 1
        self.ids = {}        # inode in BACKING -> our id; ours, because BACKING reuses inode numbers
        self.fh_ids = {}     # open file handle -> id, valid even after the name is gone
        self.dirty = {}      # id -> [[start, end or None = to end of file]] written since its fsync
        self.synced = set()  # ids that have a content copy
        self.dirs = {}       # id -> {name: (kind, id)}, as of the directory's last fsync
        self.root = None
        self.adopt()

    # ------------------------------------------------------------------ durable state

    def adopt(self):
        """BACKING as it is now is what the disk holds (first mount, or right after a rebuild)."""
        if os.path.exists(self.durable.state):
            shutil.rmtree(self.durable.state)
        os.makedirs(self.durable.content_dir)
        self.root = self.fresh_id(os.lstat(self.backing).st_ino)
        pending = [(self.backing, self.root)]
        while pending:
            path, dir_id = pending.pop()
            entries = {}
            for name in os.listdir(path):
                child = os.path.join(path, name)
                st = os.lstat(child)
                i = self.fresh_id(st.st_ino)
                if stat.S_ISDIR(st.st_mode):
                    entries[name] = ('d', i)
                    pending.append((child, i))
                elif stat.S_ISREG(st.st_mode):
                    entries[name] = ('f', i)
                    shutil.copyfile(child, self.durable.content(i))
                    self.synced.add(i)
            self.dirs[dir_id] = entries
        self.durable.save_dirs(self.root, self.dirs)

    def fresh_id(self, ino):
        i = self.next_id
        self.next_id += 1
        self.ids[ino] = i
        return i

    def id_of(self, path):
        ino = os.lstat(self.real(path)).st_ino
        return self.ids[ino] if ino in self.ids else self.fresh_id(ino)

    def forget(self, path):
        """The name is going away: a later file that gets the same inode number is another file."""
        try:
            self.ids.pop(os.lstat(self.real(path)).st_ino, None)
        except FileNotFoundError:
            pass

    def mark(self, file_id, start, end):
        ranges = self.dirty.setdefault(file_id, [])
        if ranges and ranges[-1][1] is None and start >= ranges[-1][0]:
            return
        if ranges and ranges[-1][1] is not None and ranges[-1][0] <= start <= ranges[-1][1]:
            last = ranges[-1]
            last[1] = None if end is None else max(last[1], end)
        else:
            ranges.append([start, end])
        if len(ranges) > MAX_RANGES:
            # Copying more than was written is harmless; only less would be wrong.
            self.dirty[file_id] = [[min(r[0] for r in ranges), None]]

    def real(self, path):
        return os.path.join(self.backing, path.lstrip('/'))

    # ------------------------------------------------------------------ the durability points

    def fsync(self, path, datasync, fh):
        file_id = self.fh_ids[fh]
        # The handle may be write-only; /proc gives a readable one, even for an unlinked file.
        src = os.open('/proc/self/fd/%d' % fh, os.O_RDONLY)
        try:
            size = os.fstat(src).st_size
            if file_id in self.synced:
                ranges = self.dirty.get(file_id, [])
                flags = os.O_WRONLY
            else:
                ranges = [[0, None]]
                flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            dst = os.open(self.durable.content(file_id), flags, 0o644)
            try:
                for start, end in ranges:
                    end = size if end is None else min(end, size)
                    at = start
                    while at < end:
                        data = os.pread(src, min(CHUNK, end - at), at)
                        if not data:
                            break
                        os.pwrite(dst, data, at)
                        at += len(data)
                os.ftruncate(dst, size)
            finally:
                os.close(dst)
        finally:
            os.close(src)
        self.synced.add(file_id)
        self.dirty.pop(file_id, None)
        return 0

    def fsyncdir(self, path, datasync, fh):
        real = self.real(path)
        entries = {}
        for name in os.listdir(real):
            st = os.lstat(os.path.join(real, name))
            if stat.S_ISDIR(st.st_mode):
                entries[name] = ('d', self.id_of(os.path.join(path, name)))
            elif stat.S_ISREG(st.st_mode):
                entries[name] = ('f', self.id_of(os.path.join(path, name)))
        self.dirs[self.id_of(path)] = entries
        self.durable.save_dirs(self.root, self.dirs)
        return 0

    # ------------------------------------------------------------------ pass-through

    def getattr(self, path, fh=None):
        st = os.fstat(fh) if fh is not None and fh in self.fh_ids else os.lstat(self.real(path))
        return {k: getattr(st, k) for k in (
            'st_mode', 'st_nlink', 'st_uid', 'st_gid', 'st_size', 'st_atime', 'st_mtime', 'st_ctime')}

    def access(self, path, amode):
        if not os.access(self.real(path), amode):
            raise fusepy.FuseOSError(errno.EACCES)
        return 0

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self.real(path))

    def statfs(self, path):
        sv = os.statvfs(self.real(path))
        return {k: getattr(sv, k) for k in (
            'f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag',
            'f_frsize', 'f_namemax')}

    def open(self, path, flags):
        fh = os.open(self.real(path), flags & ~os.O_APPEND)
        file_id = self.id_of(path)
        self.fh_ids[fh] = file_id
        if flags & os.O_TRUNC:
            self.mark(file_id, 0, None)
        return fh

    def create(self, path, mode, fi=None):
        fh = os.open(self.real(path), os.O_RDWR | os.O_CREAT, mode)
        self.fh_ids[fh] = self.fresh_id(os.fstat(fh).st_ino)
        return fh

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        n = os.pwrite(fh, data, offset)
        self.mark(self.fh_ids[fh], offset, offset + n)
        return n

    def truncate(self, path, length, fh=None):
        if fh is not None and fh in self.fh_ids:
            before = os.fstat(fh).st_size
            os.ftruncate(fh, length)
            file_id = self.fh_ids[fh]
        else:
            before = os.lstat(self.real(path)).st_size
            os.truncate(self.real(path), length)
            file_id = self.id_of(path)
        self.mark(file_id, min(before, length), None)
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        self.fh_ids.pop(fh, None)
        os.close(fh)
        return 0

    def mkdir(self, path, mode):
        os.mkdir(self.real(path), mode)
        self.fresh_id(os.lstat(self.real(path)).st_ino)
        return 0

    def rmdir(self, path):
        self.forget(path)
        os.rmdir(self.real(path))
        return 0

    def unlink(self, path):
        self.forget(path)
        os.unlink(self.real(path))
        return 0

    def rename(self, old, new):
        self.forget(new)
        os.rename(self.real(old), self.real(new))
        return 0

    def chmod(self, path, mode):
        os.chmod(self.real(path), mode)
        return 0

    def chown(self, path, uid, gid):
        os.chown(self.real(path), uid, gid)
        return 0

    def utimens(self, path, times=None):
        os.utime(self.real(path), times)
        return 0

    def link(self, target, source):
        raise fusepy.FuseOSError(errno.EPERM)

    def symlink(self, target, source):
        raise fusepy.FuseOSError(errno.EPERM)

    def mknod(self, path, mode, dev):
        raise fusepy.FuseOSError(errno.EPERM)


def watch_parent():
    """Unmounts (as on SIGTERM) once the test JVM that started us is gone, so that a killed build
    leaves no mount behind in target/."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: lazyfs.py BACKING STATE MOUNTPOINT')
    backing, state, mountpoint = (os.path.abspath(a) for a in sys.argv[1:])
    os.makedirs(backing, exist_ok=True)
    durable = Durable(state)
    if durable.exists():
        lost = rebuild(backing, durable)
        print('lazyfs: power back on; the cut lost ' + json.dumps(lost, sort_keys=True), flush=True)
    watch_parent()
    fs = LazyFs(backing, durable)
    print('lazyfs: serving %s at %s' % (backing, mountpoint), flush=True)
    # hard_remove: an unlinked open file is gone at once, not renamed to a .fuse_hidden name that a
    # directory fsync would then record. No kernel caching beyond one mount: every remount starts
    # cold, so reads after a cut see the rebuilt BACKING.
    fusepy.FUSE(fs, mountpoint, foreground=True, nothreads=True, hard_remove=True, fsname='lazyfs')


if __name__ == '__main__':
    main()
