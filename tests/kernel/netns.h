// SPDX-License-Identifier: GPL-2.0-or-later
// Network namespaces owned by this run: created with `ip netns add`, all named with the run's
// prefix `zpk<pid>-`, removed on exit, on failure and on SIGINT/SIGTERM. The machine's own
// namespace is never configured: every link is created inside a test namespace.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

namespace zpk {

// The prefix of every namespace this process creates: "zpk<pid>-".
const std::string& run_prefix();

// A private directory for this run's files (/tmp/zpk<pid>.XXXXXX), created on first use.
const std::string& scratch_dir();
// Removes the scratch directory and everything in it.
void remove_scratch_dir();

// Removes namespaces left behind by runs that were killed (prefix zpk, process gone) and
// their scratch directories. Namespaces
// of a run that is still alive are left alone, so two runs can share the machine.
void remove_leftover_namespaces();

// Installs SIGINT/SIGTERM/SIGHUP handlers that remove this run's namespaces and then die of the
// signal, as the default action would.
void install_cleanup_handlers();

// Creates a namespace named run_prefix() + suffix and returns its full name. Switches off ICMP
// error rate limits, DAD and reverse-path filtering in it before anything else is set up.
std::string create_namespace(const std::string& suffix);
// Deletes one namespace this run created (no error if it is already gone).
void delete_namespace(const std::string& name);
// Deletes every namespace this run created.
void delete_all_namespaces();

// Writes a sysctl (dotted name) inside a namespace.
void set_sysctl(const std::string& ns, const std::string& name, const std::string& value);

// Enters the network namespace `ns` in the calling thread (throws on failure).
void enter_namespace(const std::string& ns);

// Runs f() on a fresh thread that has entered `ns` and returns its result. Sockets created in f
// stay in `ns` for their whole life, whichever thread uses them later.
template <typename F>
auto in_namespace(const std::string& ns, F&& f) -> std::invoke_result_t<F> {
  using R = std::invoke_result_t<F>;
  std::exception_ptr error;
  if constexpr (std::is_void_v<R>) {
    std::thread t([&] {
      try {
        enter_namespace(ns);
        f();
      } catch (...) {
        error = std::current_exception();
      }
    });
    t.join();
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<R> result;
    std::thread t([&] {
      try {
        enter_namespace(ns);
        result.emplace(f());
      } catch (...) {
        error = std::current_exception();
      }
    });
    t.join();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }
}

}  // namespace zpk
