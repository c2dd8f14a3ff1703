#include "cli/atomic_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace zp::cli {
namespace {

mode_t current_umask() {
  // There is no way to read the umask without setting it; set it straight back.
  mode_t m = umask(0);
  umask(m);
  return m;
}

}  // namespace

std::optional<std::string> write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::filesystem::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string name = (std::filesystem::path(dir) / ("." + target.filename().string() + ".XXXXXX")).string();
  std::vector<char> tmpl(name.begin(), name.end());
  tmpl.push_back('\0');
  int fd = mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  const std::string tmp(tmpl.data());
  auto fail = [&](int err) {
    close(fd);
    unlink(tmp.c_str());
    return std::optional<std::string>(std::strerror(err));
  };
  // mkstemp creates 0600; an output file is as readable as any file the user creates.
  if (fchmod(fd, 0666 & ~current_umask()) != 0) return fail(errno);
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno);
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail(errno);
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return std::strerror(err);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return std::strerror(err);
  }
  // The rename is durable once the directory is synced; failing to sync it loses nothing now.
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return std::nullopt;
}

}  // namespace zp::cli
