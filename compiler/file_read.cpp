// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

namespace zp {
namespace {

std::string type_problem(mode_t mode) {
  if (S_ISDIR(mode)) return "it is a directory";
  if (S_ISFIFO(mode)) return "it is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "it is a device, not a regular file";
  if (S_ISSOCK(mode)) return "it is a socket, not a regular file";
  return "it is not a regular file";
}

std::string too_large(uintmax_t max_bytes) {
  return fmt::format("it is larger than {} MiB", max_bytes >> 20);
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

std::optional<std::string> read_regular_file(const std::string& path, std::string& out,
                                             uintmax_t max_bytes) {
  struct stat before {};
  if (stat(path.c_str(), &before) != 0) return std::strerror(errno);
  if (!S_ISREG(before.st_mode)) return type_problem(before.st_mode);
  if (static_cast<uintmax_t>(before.st_size) > max_bytes) return too_large(max_bytes);
  // O_NONBLOCK: should the path be swapped for a FIFO after the stat, open does not wait for a
  // writer; fstat then sees it is not the file that was checked.
  Fd f{open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) return std::strerror(errno);
  struct stat after {};
  if (fstat(f.fd, &after) != 0) return std::strerror(errno);
  if (!S_ISREG(after.st_mode)) return type_problem(after.st_mode);
  if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
    return "it was replaced while being opened";
  // Files in /proc report size 0 and may grow: the limit holds for what is read, not the stat.
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::strerror(errno);
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > max_bytes) return too_large(max_bytes);
    text.append(buf, static_cast<size_t>(n));
  }
  out = std::move(text);
  return std::nullopt;
}

}  // namespace zp
