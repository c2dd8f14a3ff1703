// SPDX-License-Identifier: GPL-2.0-or-later
// JSON text written straight into a string, without building a document first: the nft JSON of a
// 10,000-rule table is 27 MB, and making it as an nlohmann DOM and dumping it took as long as
// compiling the policy. Internal to backends/.
//
// The text is the one nlohmann's compact dump() prints for the same document, so that a
// document made either way reads the same and prints the same: keys must be given in sorted
// order (nlohmann's objects are sorted maps), and a string that needs escaping is escaped by
// nlohmann itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zp::backends {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // The key of the next value; keys within an object must come in sorted order.
  void key(std::string_view k);
  void string(std::string_view s);
  void number(int64_t n);
  void unsigned_number(uint64_t n);
  void null();

  // A key and its value.
  void member(std::string_view k, std::string_view s) {
    key(k);
    string(s);
  }
  void member(std::string_view k, const char* s) {
    key(k);
    string(s);
  }
  void member(std::string_view k, int64_t n) {
    key(k);
    number(n);
  }
  void member_null(std::string_view k) {
    key(k);
    null();
  }

 private:
  void separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void open(char c) {
    separate();
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;  // nothing written yet at this level (or a key was just written)
};

}  // namespace zp::backends
