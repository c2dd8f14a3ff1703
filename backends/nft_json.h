// SPDX-License-Identifier: GPL-2.0-or-later
// IR <-> nft JSON (the `nft -j` schema of libnftables-json(5)).
//
// Writing produces the command form `nft -j -f FILE` loads: add/delete/add of the table (the
// same atomic replacement as the script), then every chain, then the sets and maps (whose
// elements may jump to those chains), then the rules.
//
// Reading accepts that command form and also the listing that `nft -j list table inet NAME`
// prints, where nft has folded dependencies away (e.g. `meta l4proto tcp th dport 22` lists as
// `tcp dport 22`). Anything the reader does not understand is an error naming its place in the
// document; nothing is skipped silently, so the reader can detect drift.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ir/ruleset.h"

namespace zp::backends {

// Throws BackendError for IR nft cannot express (see validate_for_nft). The document parsed from
// the text nft_json_text writes (for the deploy journal and tests; the writers never build it).
nlohmann::json to_nft_json(const ir::Ruleset& ruleset);

// The commands of the document one at a time, in order, each as its compact JSON text (valid
// until `sink` returns). No document is built: that of a 100,000-rule table takes gigabytes.
void for_each_nft_json_command(const ir::Ruleset& ruleset, const std::function<void(std::string_view)>& sink);

// The text of to_nft_json's document: with `one_command_per_line`, compact commands one per line
// as `nft -j` prints them (a change to one rule is one line of a text diff; ends with a newline);
// else the document's compact dump (no newline).
std::string nft_json_text(const ir::Ruleset& ruleset, bool one_command_per_line);
// nft_json_text appended to `out` (several targets' documents go to one output: appending each
// in place spares a copy of tens of megabytes).
void append_nft_json_text(const ir::Ruleset& ruleset, bool one_command_per_line, std::string& out);

// On success `error` is empty. On failure the result is an empty ruleset and `error` says what
// and where, e.g. `nftables[7].rule.expr[1].match.left: unsupported payload field "ip ttl"`.
// The result's target is empty and its rules have no origins (nft does not carry them); rule ids
// and comments come from the "zp:<id> <comment>" rule comments.
ir::Ruleset from_nft_json(const nlohmann::json& document, std::string& error);

// from_nft_json of the document `text` holds, read as it is parsed: each command is read and
// dropped, so the whole document is never held (that of a 100,000-rule table takes gigabytes).
// Text that is not JSON gives the parser's message in `error`.
ir::Ruleset from_nft_json_text(std::string_view text, std::string& error);

// from_nft_json one command at a time: `add` the elements of the "nftables" array in order,
// then `finish`. The errors are from_nft_json's, with the same places.
class NftJsonReader {
 public:
  NftJsonReader();
  ~NftJsonReader();
  NftJsonReader(const NftJsonReader&) = delete;
  NftJsonReader& operator=(const NftJsonReader&) = delete;
  // False once a command failed; later commands are then ignored.
  bool add(const nlohmann::json& command);
  // A command as its JSON text (parsed here: the round trip's way, no nlohmann document).
  bool add_text(std::string_view command);
  ir::Ruleset finish(std::string& error);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The ruleset as nft JSON says it: each command's text written, parsed and read back in turn,
// so no whole document is ever held and what is read is the bytes `compile --format json` prints. What `verify` proves is this ruleset (translation validation of the
// JSON backend). Throws BackendError as to_nft_json does; a reading error goes to `error`.
ir::Ruleset nft_json_round_trip(const ir::Ruleset& ruleset, std::string& error);

// The ruleset as it looks after a trip through nft and back, so two rulesets can be compared
// for meaning rather than spelling. Applied to both sides of a comparison. It:
//  * clears the target and all origins; sanitizes and truncates comments and log prefixes
//    exactly as the writers do; keeps only the kind of a masquerade;
//  * sorts and merges the ranges of each match (nft merges anonymous sets);
//  * drops a `meta nfproto` or `meta l4proto icmp/icmpv6` match that another match of the same
//    rule implies (nft lists such dependencies away), adds the `meta l4proto tcp` that
//    `reject with tcp reset` implies, removes duplicate matches, and sorts the matches of a rule
//    (order is irrelevant to a conjunction; a `limit` counts the packets reaching it, so matches
//    are only sorted between limits);
//  * sorts set and map elements, and takes the key fields of a set or map from its first use
//    (nft stores only the key types: `ip saddr` and `ip daddr` are both `ipv4_addr`), or the
//    canonical field of each type when it is not used.
ir::Ruleset normalize_for_compare(const ir::Ruleset& ruleset);

}  // namespace zp::backends
