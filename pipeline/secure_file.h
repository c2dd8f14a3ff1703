// SPDX-License-Identifier: GPL-2.0-or-later
// Opening files like a security tool: zoneproof runs as root and writes into directories that
// another user might be able to touch, so a planted symlink, FIFO or hard-to-guess-but-predictable
// temporary name must never make it read, truncate or overwrite a file it did not mean to.
//
//  * Reads open with O_NOFOLLOW | O_NONBLOCK (a FIFO never blocks), then fstat the descriptor
//    they got: only a regular file of at most `max_size` bytes is read.
//  * Writes go to a fresh name created with O_CREAT | O_EXCL | O_NOFOLLOW beside the target
//    (mkstemp's guarantee: never an existing file, never through a symlink), are fsync'ed, and
//    renamed over the target, which replaces a symlink planted there instead of following it.
//  * The *_at forms work relative to a directory descriptor, so a directory checked once
//    (open_trusted_dir) cannot be swapped for another between the check and the use.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace zp::pipeline {

// A file descriptor closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Writes all of `bytes` to `fd`, retrying short writes and EINTR; false on an error.
bool write_all(int fd, std::string_view bytes);

// Reads the regular file `path` (the last component is never followed as a symlink). nullopt
// with `error` ("cannot read PATH: ...") for anything else: missing, a symlink, a FIFO, a
// device, a directory, or larger than `max_size` bytes.
std::optional<std::string> read_regular_file(const std::string& path, size_t max_size, std::string& error);
std::optional<std::string> read_regular_file_at(int dirfd, const std::string& name, size_t max_size,
                                                std::string& error);

// Writes `bytes` to `path` atomically with permissions `mode`: a fresh temporary file beside it
// (O_EXCL, O_NOFOLLOW), fsync, rename over `path`, fsync of the directory. A reader sees the old
// file or the complete new one. False with `error` naming the file.
bool write_file_atomically(const std::string& path, std::string_view bytes, mode_t mode, std::string& error);
bool write_file_atomically_at(int dirfd, const std::string& name, std::string_view bytes, mode_t mode,
                              std::string& error);

// Opens (O_RDWR | O_CREAT, never following a symlink) a regular file in `dirfd` for appending or
// locking; -1 with `error` when `name` is a symlink, a FIFO or anything but a regular file.
int open_regular_at(int dirfd, const std::string& name, int flags, mode_t mode, std::string& error);

// What open_trusted_dir accepts.
struct TrustPolicy {
  // Create the directory (not its parents' missing components: those get 0755) with this mode
  // when it does not exist; 0: a missing directory is an error.
  mode_t create_mode = 0;
};

// Opens the directory `path` by walking its components from `/` with O_NOFOLLOW (after
// resolving the symlinks of the parts that exist, once, with realpath), and checks that no one
// but root or the running user can change what it holds:
//  * every directory of the chain is owned by root or by the effective uid;
//  * none is writable by group or others, except a root-owned sticky directory (/tmp) as a
//    parent: there others may create names but cannot rename or delete ours. The directory
//    itself must never be group- or other-writable, sticky or not.
// Returns the descriptor (O_DIRECTORY) or an invalid Fd with `error` saying which directory is
// wrong and how to fix it.
Fd open_trusted_dir(const std::string& path, const TrustPolicy& policy, std::string& error);

}  // namespace zp::pipeline
