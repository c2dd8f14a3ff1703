// SPDX-License-Identifier: GPL-2.0-or-later
// nft-like text of the expressions the importer cannot model, for opaque matches and notes. Only
// the common forms are spelled as nft does; anything else is shown as its compact JSON, which is
// exact, if less readable.
#include <fmt/core.h>

#include "backends/nft_import_internal.h"

namespace zp::backends::import {

namespace {

class Printer {
 public:
  // The text, or nullopt when some part has no nft-like spelling here.
  std::optional<std::string> print(const json& j) {
    std::string s = expr(j);
    if (!ok_) return std::nullopt;
    return s;
  }

 private:
  std::string bad() {
    ok_ = false;
    return {};
  }

  std::string str(const json& j) { return j.is_string() ? j.get<std::string>() : bad(); }

  // Parts of an object body that are strings: "ct original ip saddr".
  std::string words(const json& body, std::initializer_list<const char*> keys) {
    if (!body.is_object()) return bad();
    std::string out;
    size_t used = 0;
    for (const char* k : keys) {
      auto it = body.find(k);
      if (it == body.end()) continue;
      ++used;
      std::string w = it->is_array() ? list(*it, " . ") : str(*it);
      out += (out.empty() ? "" : " ") + w;
    }
    if (used != body.size()) return bad();  // an attribute this printer does not know
    return out;
  }

  std::string list(const json& items, const char* sep) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : sep) + expr(i);
    return out;
  }

  std::string expr(const json& j) {
    if (!ok_) return {};
    if (j.is_string()) return j.get<std::string>();
    if (j.is_number() || j.is_boolean()) return j.dump();
    if (j.is_array()) return list(j, ",");
    if (!j.is_object() || j.size() != 1) return bad();
    const std::string& kind = j.begin().key();
    const json& body = j.begin().value();
    if (kind == "payload") {
      if (body.contains("base"))
        return fmt::format("@{},{},{}", expr(body.value("base", json())), expr(body.value("offset", json())),
                           expr(body.value("len", json())));
      return words(body, {"protocol", "field"});
    }
    if (kind == "meta" || kind == "socket" || kind == "rt" || kind == "osf")
      return kind + " " + words(body, {"family", "key", "ttl"});
    if (kind == "ct") return "ct " + words(body, {"dir", "family", "key"});
    if (kind == "fib") return "fib " + words(body, {"flags", "result"});
    if (kind == "exthdr" || kind == "tcp option" || kind == "ip option" || kind == "sctp chunk")
      return kind + " " + words(body, {"name", "field", "offset"});
    if (kind == "numgen") return "numgen " + words(body, {"mode", "mod", "offset"});
    for (const char* op : {"&", "|", "^", "<<", ">>"}) {
      if (kind != op) continue;
      if (!body.is_array() || body.size() != 2) return bad();
      return fmt::format("{} {} {}", expr(body[0]), op, expr(body[1]));
    }
    if (kind == "concat" && body.is_array()) return list(body, " . ");
    if (kind == "set") return "{ " + (body.is_array() ? list(body, ", ") : expr(body)) + " }";
    if (kind == "range" && body.is_array() && body.size() == 2)
      return fmt::format("{}-{}", expr(body[0]), expr(body[1]));
    if (kind == "prefix" && body.is_object())
      return fmt::format("{}/{}", expr(body.value("addr", json())), expr(body.value("len", json())));
    if (kind == "elem" && body.is_object() && body.contains("val")) return expr(body["val"]);
    if (kind == "map" && body.is_object() && body.contains("key") && body.contains("data"))
      return fmt::format("{} map {}", expr(body["key"]), expr(body["data"]));
    return bad();
  }

  bool ok_ = true;
};

}  // namespace

std::string expr_text(const json& j) {
  if (auto s = Printer().print(j)) return *s;
  return j.dump();
}

std::string match_text(const json& body) {
  if (!body.is_object()) return body.dump();
  const json null;
  Printer p;
  auto left = p.print(body.value("left", null));
  auto right = p.print(body.value("right", null));
  // A fib lookup's result compared with a Boolean is nft's `exists` / `missing`.
  const json& l = body.value("left", null);
  if (l.is_object() && l.contains("fib") && body.contains("right") && body["right"].is_boolean())
    right = body["right"].get<bool>() ? "exists" : "missing";
  std::string op = body.contains("op") && body["op"].is_string() ? body["op"].get<std::string>() : "in";
  if (!left || !right) return json{{"match", body}}.dump();
  // nft leaves the operator out where it is implied (equality, a flag test), unless the left
  // side is a binary operation.
  bool binop = false;
  if (body["left"].is_object() && body["left"].size() == 1)
    for (std::string_view k : {"&", "|", "^", "<<", ">>"}) binop |= body["left"].begin().key() == k;
  if ((op == "==" || op == "in") && !binop) return *left + " " + *right;
  return fmt::format("{} {} {}", *left, op, *right);
}

namespace {

// The attribute as text when it is a string or a number, else nullopt.
std::optional<std::string> scalar(const json& body, const char* key) {
  if (!body.contains(key)) return std::nullopt;
  const json& v = body[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) return v.dump();
  return std::nullopt;
}

// `limit rate [over] 10/minute burst 5 packets`, `limit rate 1 mbytes/second`.
std::optional<std::string> limit_text(const json& body) {
  auto rate = scalar(body, "rate");
  if (!rate) return std::nullopt;
  std::string unit = scalar(body, "rate_unit").value_or("packets");
  std::string out = fmt::format("limit rate {}{}{}/{}", body.value("inv", json(false)) == true ? "over " : "", *rate,
                                unit == "packets" ? "" : " " + unit, scalar(body, "per").value_or("second"));
  if (auto burst = scalar(body, "burst"); burst && *burst != "0")
    out += fmt::format(" burst {} {}", *burst, scalar(body, "burst_unit").value_or("packets"));
  return out;
}

std::optional<std::string> quota_text(const json& body) {
  auto val = scalar(body, "val");
  if (!val) return std::nullopt;
  return fmt::format("quota {}{} {}", body.value("inv", json(false)) == true ? "over " : "", *val,
                     scalar(body, "val_unit").value_or("bytes"));
}

}  // namespace

std::string stmt_text(const std::string& kind, const json& body) {
  if (kind == "xt" && body.is_object() && body.contains("type") && body.contains("name") &&
      body["type"].is_string() && body["name"].is_string())
    return fmt::format("xt {} {}", body["type"].get<std::string>(), body["name"].get<std::string>());
  if (body.is_null()) return kind;
  std::optional<std::string> text;
  if (kind == "limit" && body.is_object()) text = limit_text(body);
  if (kind == "quota" && body.is_object()) text = quota_text(body);
  // `add @seen { ip saddr }`
  if ((kind == "set" || kind == "map") && body.is_object() && body.contains("elem")) {
    auto op = scalar(body, "op"), name = scalar(body, kind.c_str());
    if (op && name) text = fmt::format("{} {} {{ {} }}", *op, *name, expr_text(body["elem"]));
  }
  if (text) return *text;
  return json{{kind, body}}.dump();
}

std::string opaque_note(const std::string& text, const std::string& why) {
  if (why.empty()) return fmt::format("{}: not modelled, taken as either outcome", text);
  return fmt::format("{}: not modelled, taken as either outcome ({})", text, why);
}

}  // namespace zp::backends::import
