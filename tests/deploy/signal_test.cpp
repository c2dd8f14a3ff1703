// SPDX-License-Identifier: GPL-2.0-or-later
// `apply --confirm` hit by SIGHUP (the SSH session dropping), SIGINT (Ctrl-C), SIGTERM and SIGKILL
// at random moments, sent to the apply process or to its whole process group (it runs in a
// session of its own, as under sshd). Every time, the table from before the apply must be back
// within the confirm window, the rollback timer gone, and the history settled: no entry left
// `applying` or `pending`, no pending.json, and the entry's status and note saying what happened.
//
// The random moments come from a fixed seed (ZP_SIGNAL_SEED overrides it, ZP_SIGNAL_TRIALS the
// number of trials, ZP_SIGNAL_VERBOSE=1 lists every trial) and every failure names its trial, so
// a failure reproduces. About two thirds
// of the trials aim at the dangerous stretch: from the moment the kernel's ruleset generation
// changes (the commit) to the end of the apply (the read-back proof). The trials run in two
// worker processes, each in a network namespace and state directory of its own.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "backends/netlink.h"
#include "backends/nft_json.h"
#include "deploy/history.h"
#include "deploy/kernel.h"
#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

using Clock = std::chrono::steady_clock;
using deploy::EntryStatus;

constexpr int kConfirmSeconds = 3;
// What the timer may need beyond the window: starting (the binary loads libz3), taking the lock,
// loading and reading back the table. Usually 0.1-0.2 s; generous for a loaded CI machine.
constexpr double kSlackSeconds = 4.0;
constexpr int kWorkers = 2;

struct Trial {
  int index = 0;
  int signal = 0;
  bool group = false;        // kill(-pgid) rather than kill(pid)
  bool after_commit = false;  // the delay counts from the commit, not from the start
  double fraction = 0;        // of the stretch the delay is drawn from
};

std::string describe(const Trial& t) {
  return fmt::format("trial {}: {} to the {} at {:.0f}% of {}", t.index, strsignal(t.signal),
                     t.group ? "process group" : "process", t.fraction * 100,
                     t.after_commit ? "the stretch from the commit to the end of the apply"
                                    : "the whole apply");
}

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
void nap(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// zoneproof ARGS in a new session (its own process group), output appended to `log`.
pid_t spawn_in_session(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> all{ZP_EXE};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    for (int s : {SIGHUP, SIGINT, SIGTERM}) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(ZP_EXE, argv.data());
    _exit(127);
  }
  return pid;
}

std::optional<ir::Ruleset> live_table() {
  auto live = deploy::read_live("zoneproof");
  if (!live.ruleset) return std::nullopt;
  return backends::normalize_for_compare(*live.ruleset);
}

// Rollback timers of this state directory still running.
std::vector<int> timers_of(const std::string& state) {
  std::vector<int> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0 || !process_alive(pid)) continue;
    std::string cmdline = read_file(fmt::format("/proc/{}/cmdline", pid));
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(" rollback-timer ") != std::string::npos &&
        cmdline.find(" " + state + " ") != std::string::npos)
      out.push_back(pid);
  }
  closedir(d);
  return out;
}

struct Worker {
  std::string state;
  std::string log;
  std::string v1_policy = deploy_policy("gw-v1.yaml");
  std::string v2_policy = deploy_policy("gw-v2.yaml");
  ir::Ruleset v1;
  double whole = 0;  // seconds of one whole apply
  double tail = 0;   // seconds from the commit to the end of an apply
  std::string report;
  int passed = 0;
  std::map<std::string, int> outcomes;
  double slowest_restore = 0;
  bool verbose = env_int("ZP_SIGNAL_VERBOSE", 0) != 0;

  std::vector<deploy::HistoryEntry> entries() {
    std::vector<deploy::HistoryEntry> out;
    std::string error;
    if (!deploy::History(state).load(out, error)) report += "  cannot load the history: " + error + "\n";
    return out;
  }

  // One apply of `policy`, timed in whole and from the commit on. False if it failed.
  bool timed_apply(const std::string& policy) {
    const uint32_t gen = backends::ruleset_generation();
    const auto t0 = Clock::now();
    pid_t pid = spawn_in_session({"apply", policy, "--target", "gw", "--state-dir", state}, log);
    std::optional<Clock::time_point> commit;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (!commit && backends::ruleset_generation() != gen) commit = Clock::now();
      nap(0.002);
    }
    whole = since(t0);
    tail = commit ? since(*commit) : 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  bool setup() {
    if (!timed_apply(v1_policy)) {
      report += "the baseline apply of gw-v1 failed:\n" + read_file(log);
      return false;
    }
    auto t = live_table();
    if (!t) {
      report += "gw-v1 cannot be read back\n";
      return false;
    }
    v1 = *t;
    report += fmt::format("worker {}: an apply takes {:.2f} s, {:.2f} s of it after the commit\n",
                          state, whole, tail);
    return true;
  }

  // Puts gw-v1 back after a failed trial, so the next trial starts from it again.
  void recover() {
    if (auto p = deploy::load_pending(state)) kill(p->timer_pid, SIGKILL);
    for (int pid : timers_of(state)) kill(pid, SIGKILL);
    std::remove((state + "/pending.json").c_str());
    auto r = zoneproof("apply " + v1_policy + " --target gw --state-dir " + state);
    if (r.status != 0) report += "  could not go back to gw-v1:\n" + r.output;
  }

  std::string settled_problem(uint64_t last_seq) {
    std::string why;
    if (live_table() != v1) why += " the table is not gw-v1;";
    if (deploy::load_pending(state)) why += " pending.json remains;";
    for (const auto& e : entries())
      if (e.seq > last_seq && (e.status == EntryStatus::Applying || e.status == EntryStatus::Pending))
        why += fmt::format(" #{} is {};", e.seq, deploy::to_string(e.status));
    if (!timers_of(state).empty()) why += " a rollback timer still runs;";
    return why;
  }

  void run(const Trial& t) {
    const auto before = entries();
    const uint64_t last_seq = before.empty() ? 0 : before.back().seq;
    const uint32_t gen = backends::ruleset_generation();
    const auto t0 = Clock::now();
    pid_t pid = spawn_in_session({"apply", v2_policy, "--target", "gw", "--state-dir", state, "--confirm",
                                  std::to_string(kConfirmSeconds)},
                                 log);
    int status = 0;
    bool exited = false;
    if (t.after_commit) {
      while (!(exited = waitpid(pid, &status, WNOHANG) == pid) && backends::ruleset_generation() == gen &&
             since(t0) < 60)
        nap(0.002);
      nap(t.fraction * tail);
    } else {
      nap(t.fraction * whole);
    }
    if (!exited) exited = waitpid(pid, &status, WNOHANG) == pid;
    const bool finished_first = exited;
    kill(t.group ? -pid : pid, t.signal);
    if (!exited) waitpid(pid, &status, 0);
    const auto died = Clock::now();
    const double window = kConfirmSeconds + 1 + kSlackSeconds;

    std::optional<double> restored;
    std::string problem = " ";
    while (since(died) < window) {
      if (!restored && live_table() == v1) restored = since(died);
      problem = settled_problem(last_seq);
      if (problem.empty()) break;
      nap(0.05);
    }
    const std::string what = fmt::format(
        "{} (the apply {} {})", describe(t), finished_first ? "had finished and" : "was running, then",
        WIFEXITED(status) ? fmt::format("exited {}", WEXITSTATUS(status))
                          : fmt::format("died of {}", strsignal(WTERMSIG(status))));
    if (!problem.empty()) {
      report += fmt::format("FAILED {}: {:.1f} s after it ended:{}\n", what, window, problem);
      // Late or never? (A timer starved of CPU settles late; one that waits on something never.)
      while (since(died) < window + 20 && !settled_problem(last_seq).empty()) nap(0.1);
      const std::string later = settled_problem(last_seq);
      report += later.empty() ? fmt::format("    it settled {:.1f} s after the apply ended\n", since(died))
                              : fmt::format("    still not settled {:.0f} s after:{}\n", since(died), later);
      for (const auto& e : entries())
        if (e.seq > last_seq) report += "    " + deploy::entry_summary(e) + "  " + e.note + "\n";
      for (int timer : timers_of(state))
        report += fmt::format("    timer {} waits in {}\n", timer, read_file(fmt::format("/proc/{}/wchan", timer)));
      std::string timer_log = read_file(state + "/timer.log");
      report += "    timer.log ends:\n" + timer_log.substr(timer_log.size() > 1500 ? timer_log.size() - 1500 : 0);
      recover();
      return;
    }
    slowest_restore = std::max(slowest_restore, restored.value_or(0));
    // What the history says happened.
    auto after = entries();
    std::vector<deploy::HistoryEntry> added;
    for (const auto& e : after)
      if (e.seq > last_seq) added.push_back(e);
    std::string outcome, expected_note;
    if (added.empty()) {
      outcome = "stopped before anything was recorded";
    } else if (added.size() > 1) {
      report += fmt::format("FAILED {}: {} entries were added\n", what, added.size());
      return;
    } else if (added[0].status == EntryStatus::Failed) {
      outcome = "stopped before the commit: nothing changed";
      expected_note = "nothing changed";
    } else if (added[0].status == EntryStatus::RolledBack &&
               added[0].note.find("not confirmed before") != std::string::npos) {
      outcome = "finished, not confirmed: rolled back at the deadline";
    } else if (added[0].status == EntryStatus::RolledBack) {
      outcome = "stopped after the commit: rolled back";
      expected_note = "stopped before it finished";
    } else {
      report += fmt::format("FAILED {}: #{} ended {}\n", what, added[0].seq, deploy::to_string(added[0].status));
      return;
    }
    if (!expected_note.empty() && added[0].note.find(expected_note) == std::string::npos) {
      report += fmt::format("FAILED {}: #{} ({}) has the note \"{}\", expected \"{}\"\n", what, added[0].seq,
                            outcome, added[0].note, expected_note);
      return;
    }
    ++passed;
    ++outcomes[outcome];
    if (verbose)
      report += fmt::format("ok {}: {}; the old table back {:.2f} s after the apply ended\n", what, outcome,
                            restored.value_or(0));
  }
};

TEST(DeploySignals, ApplyConfirmInterruptedAtRandomMomentsAlwaysEndsOnTheOldTable) {
  const int trials = env_int("ZP_SIGNAL_TRIALS", 60);
  const unsigned seed = static_cast<unsigned>(env_int("ZP_SIGNAL_SEED", 20261202));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  const std::array<int, 4> signals{SIGHUP, SIGINT, SIGTERM, SIGKILL};
  std::vector<std::vector<Trial>> plans(kWorkers);
  for (int i = 0; i < trials; ++i) {
    Trial t;
    t.index = i;
    t.signal = signals[static_cast<size_t>(i) % signals.size()];
    t.group = unit(rng) < 0.5;
    t.after_commit = unit(rng) < 2.0 / 3;
    // From the commit, the whole stretch to the end; from the start, a little past the end too.
    t.fraction = t.after_commit ? unit(rng) : 1.1 * unit(rng);
    plans[static_cast<size_t>(i % kWorkers)].push_back(t);
  }

  TempDir dir;
  const auto t0 = Clock::now();
  std::vector<pid_t> pids;
  for (int w = 0; w < kWorkers; ++w) {
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      Worker worker;
      worker.state = fmt::format("{}/state{}", dir.path(), w);
      worker.log = fmt::format("{}/apply{}.log", dir.path(), w);
      bool ok = unshare(CLONE_NEWNET) == 0;
      if (!ok) worker.report += fmt::format("unshare(CLONE_NEWNET): {}\n", std::strerror(errno));
      if (ok && worker.setup())
        for (const auto& t : plans[static_cast<size_t>(w)]) worker.run(t);
      std::string summary = fmt::format("passed {}\n", worker.passed);
      for (const auto& [what, n] : worker.outcomes) summary += fmt::format("outcome {}\t{}\n", n, what);
      summary += fmt::format("slowest {:.3f}\n", worker.slowest_restore);
      std::ofstream(fmt::format("{}/report{}", dir.path(), w)) << worker.report << "--\n" << summary;
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) EXPECT_EQ(wait_exit_code(pid), 0);

  int passed = 0;
  double slowest = 0;
  std::map<std::string, int> outcomes;
  std::string details;
  for (int w = 0; w < kWorkers; ++w) {
    const std::string text = read_file(fmt::format("{}/report{}", dir.path(), w));
    const auto split = text.rfind("--\n");
    ASSERT_NE(split, std::string::npos) << "worker " << w << " wrote no report";
    details += text.substr(0, split);
    std::istringstream summary(text.substr(split + 3));
    for (std::string line; std::getline(summary, line);) {
      if (line.rfind("passed ", 0) == 0) passed += std::stoi(line.substr(7));
      if (line.rfind("slowest ", 0) == 0) slowest = std::max(slowest, std::stod(line.substr(8)));
      if (line.rfind("outcome ", 0) == 0) {
        const auto tab = line.find('\t');
        outcomes[line.substr(tab + 1)] += std::stoi(line.substr(8, tab - 8));
      }
    }
  }
  std::printf("%s", details.c_str());
  std::printf("signal trials (seed %u, --confirm %d): %d of %d ended on the old table with the history "
              "settled, in %.0f s; slowest restore %.2f s after the apply ended\n",
              seed, kConfirmSeconds, passed, trials, since(t0), slowest);
  for (const auto& [what, n] : outcomes) std::printf("  %3d  %s\n", n, what.c_str());
  EXPECT_EQ(passed, trials) << details;
}

}  // namespace
}  // namespace zp::testing
