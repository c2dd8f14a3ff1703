// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/secure_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fmt/core.h>

namespace zp::pipeline {

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.release();
  }
  return *this;
}

namespace {

std::string why(int err) {
  return err == ELOOP ? std::string("it is a symbolic link (refusing to follow it)") : std::strerror(err);
}

std::string type_name(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

std::pair<std::string, std::string> split_path(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// A name nobody can predict: mkstemp's XXXXXX, from the kernel's random pool.
std::string random_suffix() {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char raw[10];
  if (getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw))
    for (auto& c : raw) c = static_cast<unsigned char>(std::rand());
  std::string s;
  for (unsigned char c : raw) s += kChars[c % (sizeof kChars - 1)];
  return s;
}

}  // namespace

bool write_all(int fd, std::string_view bytes) {
  size_t at = 0;
  while (at < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::string> read_regular_file_at(int dirfd, const std::string& name, size_t max_size,
                                                std::string& error) {
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
  Fd fd(openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    error = fmt::format("cannot read {}: {}", name, why(errno));
    return std::nullopt;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    error = fmt::format("cannot read {}: {}", name, std::strerror(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    error = fmt::format("cannot read {}: it is {}", name, type_name(st.st_mode));
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    error = fmt::format("cannot read {}: it is {} bytes, more than the limit of {}", name, st.st_size, max_size);
    return std::nullopt;
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t at = 0;
  for (;;) {
    if (at == out.size()) {
      if (out.size() >= max_size + 1) break;
      out.resize(std::min(max_size + 1, out.size() * 2 + 4096));
    }
    ssize_t n = read(fd.get(), out.data() + at, out.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = fmt::format("cannot read {}: {}", name, std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    at += static_cast<size_t>(n);
  }
  if (at > max_size) {  // it grew while being read
    error = fmt::format("cannot read {}: more than the limit of {} bytes", name, max_size);
    return std::nullopt;
  }
  out.resize(at);
  return out;
}

std::optional<std::string> read_regular_file(const std::string& path, size_t max_size, std::string& error) {
  auto r = read_regular_file_at(AT_FDCWD, path, max_size, error);
  return r;
}

bool write_file_atomically_at(int dirfd, const std::string& name, std::string_view bytes, mode_t mode,
                              std::string& error) {
  std::string tmp;
  Fd fd;
  for (int attempt = 0; attempt < 100 && !fd; ++attempt) {
    tmp = "." + name + "." + random_suffix();
    fd = Fd(openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd && errno != EEXIST) break;
  }
  if (!fd) {
    error = fmt::format("cannot write {}: cannot create a temporary file beside it: {}", name, std::strerror(errno));
    return false;
  }
  // The umask may have narrowed `mode`; the caller asked for exactly this.
  bool ok = fchmod(fd.get(), mode) == 0 && write_all(fd.get(), bytes) &&
            fsync(fd.get()) == 0;  // before rename: after a power loss, old or complete
  int err = errno;
  fd = Fd();
  if (ok && renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) == 0) {
    fsync(dirfd);  // the rename itself survives a power loss
    return true;
  }
  if (ok) err = errno;
  unlinkat(dirfd, tmp.c_str(), 0);
  error = fmt::format("cannot write {}: {}", name, std::strerror(err));
  return false;
}

bool write_file_atomically(const std::string& path, std::string_view bytes, mode_t mode, std::string& error) {
  auto [dir, name] = split_path(path);
  if (name.empty() || name == "." || name == "..") {
    error = fmt::format("cannot write {}: not a file name", path);
    return false;
  }
  Fd dfd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) {
    error = fmt::format("cannot write {}: {}: {}", path, dir, std::strerror(errno));
    return false;
  }
  if (!write_file_atomically_at(dfd.get(), name, bytes, mode, error)) {
    error = fmt::format("cannot write {}{}", path, error.substr(error.find(':')));
    return false;
  }
  return true;
}

int open_regular_at(int dirfd, const std::string& name, int flags, mode_t mode, std::string& error) {
  Fd fd(openat(dirfd, name.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode));
  if (!fd) {
    error = fmt::format("cannot open {}: {}", name, why(errno));
    return -1;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    error = fmt::format("cannot open {}: {}", name, std::strerror(errno));
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    error = fmt::format("cannot open {}: it is {}", name, type_name(st.st_mode));
    return -1;
  }
  // A hard link to a file elsewhere (say /etc/shadow) would be truncated through this name.
  if (st.st_nlink > 1) {
    error = fmt::format("cannot open {}: it has {} hard links (refusing to write through one)", name, st.st_nlink);
    return -1;
  }
  int fl = fcntl(fd.get(), F_GETFL);
  if (fl >= 0) fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
  return fd.release();
}

namespace {

// The part of `path` that exists with its symlinks resolved, followed by the missing components.
bool resolve(const std::string& path, std::string& real, std::vector<std::string>& missing, std::string& error) {
  std::string at = path;
  std::vector<std::string> rest;
  for (;;) {
    char buf[PATH_MAX];
    if (realpath(at.c_str(), buf)) {
      real = buf;
      break;
    }
    if (errno != ENOENT || at == "/" || at.empty()) {
      error = fmt::format("{}: {}", at, std::strerror(errno));
      return false;
    }
    auto [dir, name] = split_path(at);
    if (name == "." || name == "..") {
      error = fmt::format("{}: a missing directory cannot be reached through \"{}\"", path, name);
      return false;
    }
    if (!name.empty()) rest.push_back(name);
    at = dir;
  }
  missing.assign(rest.rbegin(), rest.rend());
  return true;
}

std::vector<std::string> components(const std::string& real) {
  std::vector<std::string> out;
  size_t at = 1;
  while (at < real.size()) {
    size_t next = real.find('/', at);
    if (next == std::string::npos) next = real.size();
    if (next > at) out.push_back(real.substr(at, next - at));
    at = next + 1;
  }
  return out;
}

// Whether only root (or we) can change what `dir` (described by `st`) holds.
std::string check_trusted(const std::string& dir, const struct stat& st, bool is_parent) {
  const uid_t me = geteuid();
  if (st.st_uid != 0 && st.st_uid != me)
    return fmt::format("{} is owned by uid {}, not by root{}: that user could replace what zoneproof "
                       "keeps there (chown root {})",
                       dir, st.st_uid, me == 0 ? "" : fmt::format(" or uid {}", me), dir);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0) return "";
  const bool sticky_root = (st.st_mode & S_ISVTX) && st.st_uid == 0;
  if (is_parent && sticky_root) return "";  // like /tmp: others cannot rename or delete our names
  return fmt::format("{} is writable by group or others (mode {:04o}): anyone who can write there "
                     "could plant symlinks or files for root to follow{} (chmod go-w {})",
                     dir, st.st_mode & 07777,
                     sticky_root ? "; a sticky directory like /tmp can hold a state directory but not be one" : "",
                     dir);
}

}  // namespace

Fd open_trusted_dir(const std::string& path, const TrustPolicy& policy, std::string& error) {
  if (path.empty() || path[0] != '/') {
    error = fmt::format("{}: not an absolute path", path);
    return Fd();
  }
  std::string real;
  std::vector<std::string> missing;
  if (!resolve(path, real, missing, error)) return Fd();
  if (!missing.empty() && policy.create_mode == 0) {
    error = fmt::format("{} does not exist", path);
    return Fd();
  }
  std::vector<std::string> parts = components(real);
  const size_t existing = parts.size();
  parts.insert(parts.end(), missing.begin(), missing.end());

  Fd cur(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::string shown = "/";
  struct stat st {};
  if (!cur || fstat(cur.get(), &st) != 0) {
    error = fmt::format("/: {}", std::strerror(errno));
    return Fd();
  }
  if (auto bad = check_trusted("/", st, !parts.empty()); !bad.empty()) {
    error = bad;
    return Fd();
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    shown += (shown == "/" ? "" : "/") + parts[i];
    bool created = false;
    if (i >= existing) {
      const mode_t m = last ? policy.create_mode : 0755;
      if (mkdirat(cur.get(), parts[i].c_str(), m) == 0) created = true;
      else if (errno != EEXIST) {
        error = fmt::format("cannot create {}: {}", shown, std::strerror(errno));
        return Fd();
      }
    }
    Fd next(openat(cur.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) {
      error = fmt::format("cannot open {}: {}", shown,
                          errno == ELOOP || errno == ENOTDIR ? "it is not a directory (or it is a symbolic link that appeared meanwhile)"
                                                              : std::strerror(errno));
      return Fd();
    }
    if (created && last) fchmod(next.get(), policy.create_mode);  // whatever the umask
    if (fstat(next.get(), &st) != 0) {
      error = fmt::format("{}: {}", shown, std::strerror(errno));
      return Fd();
    }
    if (auto bad = check_trusted(shown, st, !last); !bad.empty()) {
      error = bad;
      return Fd();
    }
    cur = std::move(next);
  }
  return cur;
}

}  // namespace zp::pipeline
