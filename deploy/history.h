// SPDX-License-Identifier: GPL-2.0-or-later
// The deploy history under the state directory (docs/deploy.md):
//
//   STATE/lock                  the flock every deploy command holds (deploy/lock.h)
//   STATE/history/NNNNNNNN.json one small file per apply or remove, numbered in order: the index
//                               every command reads (no rulesets in it)
//   STATE/rulesets/HEX.json     each ruleset once, as compact nft JSON, named by its content hash
//   STATE/policies/HEX.yaml     each policy source file an apply compiled, named by its hash
//   STATE/pending.json          the apply waiting for `zoneproof confirm`, and its timer
//   STATE/timer.log             what detached rollback timers did
//   STATE/counters/NNNNNNNN.json the rule counters right after apply NNNNNNNN (counter_snapshots.h)
//
// Each entry records one change of zoneproof's table: the table as it was before (read back
// from the kernel; none when the table did not exist) and what was loaded (none for a remove),
// both by hash. When the table an apply replaces is the one an earlier entry loaded, `previous`
// is that entry's `applied` file (and `previous_seq` says which entry), so a ruleset is stored
// once however many entries name it. Rolling back undoes the newest entry not yet undone by
// loading its `previous`; the boot-time restore loads the `applied` ruleset of the newest
// confirmed entry. Only that one ruleset file is read: entries carry hashes, and rulesets are
// read on demand (History::load_ruleset). Every file is written to a fresh temporary name and
// renamed (secure_file.h), so a crash leaves either the old or the new file.
//
// Entries of the previous release (schema zoneproof.history/1, rulesets inside the entry) are
// read as they are and rewritten in this layout by the next deploy command that takes the lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zp::deploy {

enum class EntryStatus : uint8_t {
  Applying,     // written before the kernel is touched; replaced when the apply ends
  Pending,      // applied with --confirm, waiting for `zoneproof confirm`
  Confirmed,    // in force (or was, until a later entry)
  RolledBack,   // undone by rollback, the confirm timer, a failed proof, or a restart
  Failed,       // the kernel refused it: nothing changed
  Interrupted,  // the apply died between writing the entry and finishing (kill, power loss)
};
std::string_view to_string(EntryStatus s);

// What an entry knows of the table it replaced.
enum class PreviousState : uint8_t {
  None,        // the table did not exist
  Saved,       // `previous` holds it
  Unreadable,  // it held rules zoneproof cannot read (previous_errors) and could not be saved
};
std::string_view to_string(PreviousState s);

// A ruleset the history keeps: the compact nft JSON text its file under rulesets/ holds, and the
// content hash that names that file. An apply writes the text straight from the IR and stores it
// as it is; the document is parsed only where a command reads the ruleset (a rollback, a restore,
// the look for the earlier entry that applied the table in force), and then once. Building the
// document of a 10,000-rule table took 0.7 s and 240 MiB of every apply, only to write it out.
class StoredRuleset {
 public:
  // `text` is a compact nft JSON document (nft_json_text, or a stored file's bytes).
  explicit StoredRuleset(std::string text);
  // A document held in memory (an entry of the previous release, tests): stored as its dump.
  explicit StoredRuleset(const nlohmann::json& document);

  const std::string& text() const { return text_; }
  // The hash of `text`, which names its file; for the compact text zoneproof writes (a
  // document's dump), the document's content_hash.
  const std::string& hash() const { return hash_; }
  // The document, parsed from `text` when first asked for. Throws nlohmann::json::parse_error
  // only for text that is not JSON, which zoneproof never writes (a stored file is checked to
  // be JSON when it is read).
  const nlohmann::json& document() const;

 private:
  std::string text_;
  std::string hash_;
  mutable std::optional<nlohmann::json> document_;
};

struct HistoryEntry {
  uint64_t seq = 0;
  std::string action = "apply";  // "apply" or "remove"
  int64_t time = 0;              // unix seconds
  std::string policy;            // absolute path of the policy file ("" for remove)
  std::string target;
  std::string table = "zoneproof";
  std::string hash;              // of the applied nft JSON ("" for remove)
  bool forced = false;           // verification failures overridden with --force
  bool lockout_allowed = false;  // a broken manage intent overridden with --allow-lockout
  EntryStatus status = EntryStatus::Applying;
  std::string note;              // why the status is what it is
  PreviousState previous_state = PreviousState::None;
  std::vector<std::string> previous_errors;
  // The rulesets themselves: set by apply and remove before saving, and by load_rulesets();
  // History::load leaves them empty (they are read on demand, by hash).
  std::optional<StoredRuleset> previous;
  std::optional<StoredRuleset> applied;
  std::string previous_hash;              // of `previous` ("" unless previous_state is Saved)
  std::optional<uint64_t> previous_seq;   // the entry whose `applied` ruleset `previous` is
  // The policy files the applied ruleset was compiled from (the top-level file and its
  // includes, in load order), as they were when it was applied: path and content hash.
  struct PolicySource {
    std::string path;
    std::string hash;
  };
  std::vector<PolicySource> policy_sources;
  // Where `previous` came from when it is an earlier entry's ruleset (previous_seq): that
  // entry's target, --force and policy sources, kept here because that entry is pruned first.
  std::string previous_target;
  bool previous_forced = false;
  std::vector<PolicySource> previous_policy_sources;
  bool legacy = false;    // read from a zoneproof.history/1 file (rulesets inline, no sources)
  bool migrated = false;  // written by the previous release: no policy sources were kept
  size_t rules = 0;
  size_t set_elements = 0;
  std::optional<int64_t> confirm_deadline;  // unix seconds, for --confirm
};

nlohmann::json entry_json(const HistoryEntry& e);
// Throws std::runtime_error naming the problem for a malformed entry.
HistoryEntry entry_from_json(const nlohmann::json& j);

// "#7 apply 2024-05-01T10:00:00Z examples/x.yaml --target gw (confirmed)".
std::string entry_summary(const HistoryEntry& e);
std::string utc_time(int64_t unix_seconds);
// The name the history gives a file's bytes ("fnv1a64:0123456789abcdef").
std::string bytes_hash(std::string_view bytes);
// A stable content hash of an nft JSON document: bytes_hash of its compact dump.
std::string content_hash(const nlohmann::json& document);

inline constexpr size_t kHistoryKeep = 10;

class History {
 public:
  explicit History(std::string state_dir) : dir_(std::move(state_dir)) {}

  // Every entry that can be read, oldest first, without their rulesets. An entry that cannot
  // be read (truncated, edited, not an entry) is skipped and described in `skipped` ("PATH:
  // why"), never a reason to refuse the others. False (with `error`) only when the state
  // directory itself cannot be used (refused by its permissions, or unreadable).
  bool load(std::vector<HistoryEntry>& out, std::string& error,
            std::vector<std::string>* skipped = nullptr) const;
  // The ruleset stored under `hash`, checked against its hash (a truncated or edited file is
  // an error, never loaded). nullopt with `error`.
  std::optional<StoredRuleset> load_ruleset(const std::string& hash, std::string& error) const;
  // Fills e.previous and e.applied from their files. False with `error`.
  bool load_rulesets(HistoryEntry& e, std::string& error) const;
  // The policy source stored under `hash`, checked against it.
  std::optional<std::string> load_policy_source(const std::string& hash, std::string& error) const;
  // Stores the policy files (paths as the policy lists them) in e.policy_sources.
  bool record_policy_sources(HistoryEntry& e, const std::vector<std::string>& files, std::string& error) const;
  // When e.previous is, by meaning, the ruleset an earlier entry of `entries` applied, makes it
  // that very document (one file on disk) and sets e.previous_seq. Every ruleset is read from its
  // text as it is parsed, never as a whole document (gigabytes for a 100,000-rule table).
  void link_previous(HistoryEntry& e, const std::vector<HistoryEntry>& entries) const;
  // Rewrites entries read in the previous release's format (HistoryEntry::legacy) in this one.
  // Needs the lock. False with `error` on the first that cannot be written.
  bool migrate(std::vector<HistoryEntry>& entries, std::string& error) const;
  // The number the next entry gets.
  uint64_t next_seq() const;
  // Writes the entry atomically (temporary file, fsync, rename), and the rulesets it holds in
  // memory that are not stored yet. False with `error`.
  bool save(const HistoryEntry& e, std::string& error) const;
  // Deletes the oldest entries beyond `keep` (never a pending one), then the ruleset and policy
  // files no remaining entry names.
  void prune(size_t keep) const;

  const std::string& dir() const { return dir_; }
  std::string entry_path(uint64_t seq) const;

 private:
  std::string dir_;
};

// The apply waiting for confirmation.
struct Pending {
  uint64_t seq = 0;
  int64_t deadline = 0;  // unix seconds
  int timer_pid = 0;     // the detached rollback timer
};

std::optional<Pending> load_pending(const std::string& state_dir);
bool save_pending(const std::string& state_dir, const Pending& p, std::string& error);
void remove_pending(const std::string& state_dir);

// Writes `text` to `path` (mode 0600) through a fresh temporary file, fsync and rename, never
// following a symlink. False with `error`.
bool write_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace zp::deploy
