// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/core.h>

#include "tests/kernel/process.h"

namespace zpk {

namespace {

constexpr const char* kNetnsDir = "/run/netns/";

// Names of the namespaces this run created, kept in static storage so the signal handler can
// remove them with async-signal-safe calls only (umount2 + unlink is what `ip netns del` does).
constexpr int kMaxNamespaces = 256;
constexpr int kMaxPath = 96;
char g_paths[kMaxNamespaces][kMaxPath];
std::atomic<bool> g_live[kMaxNamespaces];
std::atomic<int> g_count{0};

void remember(const std::string& name) {
  std::string path = kNetnsDir + name;
  if (path.size() >= kMaxPath) throw std::runtime_error("namespace name too long: " + name);
  int n = g_count.load();
  for (int i = 0; i < n; ++i) {
    if (!g_live[i].load()) {  // reuse a free slot
      std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
      g_live[i] = true;
      return;
    }
  }
  if (n == kMaxNamespaces) throw std::runtime_error("too many namespaces");
  std::memcpy(g_paths[n], path.c_str(), path.size() + 1);
  g_live[n] = true;
  g_count = n + 1;
}

void forget(const std::string& name) {
  std::string path = kNetnsDir + name;
  for (int i = 0; i < g_count.load(); ++i) {
    if (g_live[i].load() && path == g_paths[i]) g_live[i] = false;
  }
}

void on_signal(int sig) {
  for (int i = 0; i < g_count.load(); ++i) {
    if (!g_live[i].load()) continue;
    umount2(g_paths[i], MNT_DETACH);
    unlink(g_paths[i]);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

// Whether the run that owns prefix zpk<pid>- is still alive: the pid exists and is this program.
bool run_alive(long pid) {
  if (pid == static_cast<long>(getpid())) return true;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  std::ifstream comm(fmt::format("/proc/{}/comm", pid));
  std::string name;
  std::getline(comm, name);
  return name == "zp_kernel_check";
}

}  // namespace

const std::string& run_prefix() {
  static const std::string prefix = fmt::format("zpk{}-", getpid());
  return prefix;
}

namespace {

std::string g_scratch;

// Entries of `dir` named zpk<pid><sep>... whose run is gone.
std::vector<std::string> stale_entries(const char* dir, char sep) {
  std::vector<std::string> stale;
  DIR* d = opendir(dir);
  if (!d) return stale;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind("zpk", 0) != 0) continue;
    char* end = nullptr;
    long pid = std::strtol(name.c_str() + 3, &end, 10);
    if (end == name.c_str() + 3 || *end != sep) continue;
    if (!run_alive(pid)) stale.push_back(name);
  }
  closedir(d);
  return stale;
}

}  // namespace

const std::string& scratch_dir() {
  if (g_scratch.empty()) {
    std::string templ = fmt::format("/tmp/zpk{}.XXXXXX", getpid());
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    g_scratch = templ;
  }
  return g_scratch;
}

void remove_scratch_dir() {
  if (g_scratch.empty()) return;
  run_process({"rm", "-rf", "--", g_scratch});
  g_scratch.clear();
}

void remove_leftover_namespaces() {
  for (const auto& name : stale_entries(kNetnsDir, '-')) {
    fmt::print(stderr, "zp_kernel_check: removing namespace {} left by a killed run\n", name);
    run_process({"ip", "netns", "delete", name});
  }
  for (const auto& name : stale_entries("/tmp", '.')) run_process({"rm", "-rf", "--", "/tmp/" + name});
}

void install_cleanup_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a helper that exits early must not kill the run
}

void enter_namespace(const std::string& ns) {
  std::string path = kNetnsDir + ns;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(fmt::format("open {}: {}", path, std::strerror(errno)));
  int rc = setns(fd, CLONE_NEWNET);
  int saved = errno;
  close(fd);
  if (rc != 0) throw std::runtime_error(fmt::format("setns {}: {}", ns, std::strerror(saved)));
}

void set_sysctl(const std::string& ns, const std::string& name, const std::string& value) {
  std::string path = "/proc/sys/" + name;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  in_namespace(ns, [&] {
    std::ofstream f(path);
    f << value << '\n';
    f.flush();
    if (!f) throw std::runtime_error(fmt::format("sysctl {}={} in {}: cannot write", name, value, ns));
  });
}

std::string create_namespace(const std::string& suffix) {
  std::string name = run_prefix() + suffix;
  remember(name);  // before creating it: a signal in between must still remove it
  run_checked({"ip", "netns", "add", name});
  // Rejects must not look like drops: no per-destination or global ICMP error limits. A ratemask
  // of 0 (IPv4) / empty (IPv6) exempts every ICMP type from both limits.
  for (auto [k, v] : {std::pair{"net.ipv4.icmp_ratelimit", "0"}, {"net.ipv4.icmp_ratemask", "0"},
                      {"net.ipv6.icmp.ratelimit", "0"}, {"net.ipv6.icmp.ratemask", ""},
                      // Spoofed sources must reach nftables.
                      {"net.ipv4.conf.all.rp_filter", "0"}, {"net.ipv4.conf.default.rp_filter", "0"},
                      {"net.ipv4.conf.all.accept_local", "0"},
                      // Addresses usable at once, and no router solicitations in the captures.
                      {"net.ipv6.conf.all.accept_dad", "0"}, {"net.ipv6.conf.default.accept_dad", "0"},
                      {"net.ipv6.conf.default.router_solicitations", "0"},
                      {"net.ipv6.conf.default.accept_ra", "0"},
                      {"net.ipv4.conf.all.send_redirects", "0"},
                      {"net.ipv4.conf.default.send_redirects", "0"}}) {
    set_sysctl(name, k, v);
  }
  return name;
}

void delete_namespace(const std::string& name) {
  run_process({"ip", "netns", "delete", name});
  forget(name);
}

void delete_all_namespaces() {
  for (int i = 0; i < g_count.load(); ++i) {
    if (!g_live[i].load()) continue;
    std::string path = g_paths[i];
    delete_namespace(path.substr(std::strlen(kNetnsDir)));
  }
}

}  // namespace zpk
