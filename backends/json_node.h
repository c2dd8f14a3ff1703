// SPDX-License-Identifier: GPL-2.0-or-later
// A node of a document simdjson parsed, asked the questions the nft JSON reader asks of
// nlohmann's documents, in nlohmann's words: the reader's shared parts (json_expr's accessors and
// read_range, which the importer calls with nlohmann's nodes) are written once for both.
//
// Why simdjson: the nft JSON round trip parses every command `verify`, `diff` and `apply` prove,
// and nlohmann's parser, which builds a std::map per object, was most of the trip (a 10,000-rule
// gateway's 27 MB: 0.26-0.40 s against simdjson's 0.04-0.06 s). Internal to backends/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <simdjson.h>

namespace zp::backends {

// Cheap to copy (a document pointer and an index): valid while the parser that made it neither
// parses again nor goes away.
class JsonNode {
 public:
  explicit JsonNode(simdjson::dom::element e) : e_(e) {}

  bool is_object() const { return type_is(simdjson::dom::element_type::OBJECT); }
  bool is_array() const { return type_is(simdjson::dom::element_type::ARRAY); }
  bool is_string() const { return type_is(simdjson::dom::element_type::STRING); }
  bool is_boolean() const { return type_is(simdjson::dom::element_type::BOOL); }
  bool is_null() const { return absent_ || type_is(simdjson::dom::element_type::NULL_VALUE); }
  // As nlohmann: a whole number of either sign; "unsigned" when it is not negative (nlohmann
  // parses every non-negative integer as unsigned, simdjson only those above INT64_MAX).
  bool is_number_integer() const { return is_int64() || type_is(simdjson::dom::element_type::UINT64); }
  bool is_number_float() const { return type_is(simdjson::dom::element_type::DOUBLE); }
  bool is_number_unsigned() const {
    return type_is(simdjson::dom::element_type::UINT64) || (is_int64() && e_.get_int64().value_unsafe() >= 0);
  }

  // Only for what is_string / is_boolean / is_number_float / is_number_integer said it is.
  template <class T>
  T get() const {
    if constexpr (std::is_same_v<T, std::string>) return std::string(e_.get_string().value_unsafe());
    else if constexpr (std::is_same_v<T, bool>) return e_.get_bool().value_unsafe();
    else if constexpr (std::is_same_v<T, double>) return e_.get_double().value_unsafe();
    else return integer<T>();
  }
  std::string_view string_view() const { return e_.get_string().value_unsafe(); }

  // An object's members or an array's elements; 0 for anything else.
  size_t size() const;
  bool empty() const { return size() == 0; }
  bool contains(std::string_view key) const;
  // The member `key` of an object; should the key repeat, the last, as nft (jansson) and
  // nlohmann read it. A node reading as null when there is none.
  JsonNode operator[](std::string_view key) const;

  // The i-th element of an array, found by walking from the first: for pairs and the like
  // ([low, high], [key, verdict]); a loop over an array takes elements(). Null past the end.
  JsonNode operator[](size_t i) const;
  // An array's elements in order.
  class Elements;
  Elements elements() const;
  // An object's members in order, as (key, value) pairs; nothing for anything else.
  class Members;
  Members items() const;

  // The node as compact JSON text, for error messages.
  std::string dump() const;

 private:
  JsonNode() : absent_(true) {}
  bool type_is(simdjson::dom::element_type t) const { return !absent_ && e_.type() == t; }
  bool is_int64() const { return type_is(simdjson::dom::element_type::INT64); }
  template <class T>
  T integer() const {
    // nlohmann's get<int64_t> of an unsigned number above INT64_MAX wraps; so does this.
    if (is_int64()) return static_cast<T>(e_.get_int64().value_unsafe());
    return static_cast<T>(e_.get_uint64().value_unsafe());
  }

  simdjson::dom::element e_;
  bool absent_ = false;
};

// The items of an array or an object as a range; `Item` makes each from simdjson's iterator.
// Default-made, it has none (simdjson's default iterators are equal).
template <class SimdIterator, class Item>
class JsonWalk {
 public:
  class iterator {
   public:
    explicit iterator(SimdIterator it) : it_(it) {}
    auto operator*() const { return Item{}(it_); }
    iterator& operator++() {
      ++it_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return it_ != o.it_; }

   private:
    SimdIterator it_;
  };
  JsonWalk() = default;
  template <class Container>
  explicit JsonWalk(const Container& c) : begin_(c.begin()), end_(c.end()) {}
  iterator begin() const { return iterator(begin_); }
  iterator end() const { return iterator(end_); }

 private:
  SimdIterator begin_, end_;
};

struct ElementItem {
  JsonNode operator()(simdjson::dom::array::iterator it) const { return JsonNode(*it); }
};
struct MemberItem {
  std::pair<std::string_view, JsonNode> operator()(simdjson::dom::object::iterator it) const {
    return {it.key(), JsonNode(it.value())};
  }
};
class JsonNode::Elements : public JsonWalk<simdjson::dom::array::iterator, ElementItem> {
  using JsonWalk::JsonWalk;
};
class JsonNode::Members : public JsonWalk<simdjson::dom::object::iterator, MemberItem> {
  using JsonWalk::JsonWalk;
};

inline size_t JsonNode::size() const {
  if (is_object()) return e_.get_object().value_unsafe().size();
  if (is_array()) return e_.get_array().value_unsafe().size();
  return 0;
}

inline bool JsonNode::contains(std::string_view key) const {
  return is_object() && !e_.get_object().value_unsafe().at_key(key).error();
}

inline JsonNode JsonNode::operator[](std::string_view key) const {
  JsonNode found;
  for (auto [k, value] : items())
    if (k == key) found = value;
  return found;
}

inline JsonNode JsonNode::operator[](size_t i) const {
  for (JsonNode e : elements())
    if (i-- == 0) return e;
  return JsonNode();
}

inline JsonNode::Elements JsonNode::elements() const {
  // Anything but an array has none (the reader asks is_array first).
  return is_array() ? Elements(e_.get_array().value_unsafe()) : Elements();
}

inline JsonNode::Members JsonNode::items() const {
  return is_object() ? Members(e_.get_object().value_unsafe()) : Members();
}

inline std::string JsonNode::dump() const { return absent_ ? "null" : simdjson::minify(e_); }

}  // namespace zp::backends
