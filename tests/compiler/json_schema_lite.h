// A small JSON Schema (draft-07) validator for the keywords policies/zoneproof.schema.json uses,
// so the schema can be tested without another dependency. It refuses keywords it does not
// implement, so the schema cannot quietly rely on one the test ignores.
#pragma once

#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zp::test {

class SchemaLite {
 public:
  explicit SchemaLite(nlohmann::json root) : root_(std::move(root)) {}

  // Problems found in `doc` ("path: message"); empty means valid.
  std::vector<std::string> validate(const nlohmann::json& doc) const {
    std::vector<std::string> errors;
    check(root_, doc, "$", errors);
    return errors;
  }

 private:
  static size_t code_points(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
  }

  static bool has_type(const nlohmann::json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    if (t == "integer") return v.is_number_integer() || v.is_number_unsigned();
    if (t == "number") return v.is_number();
    throw std::runtime_error("unknown type " + t);
  }

  const nlohmann::json& resolve(const std::string& ref) const {
    const std::string prefix = "#/definitions/";
    if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("unsupported $ref " + ref);
    return root_.at("definitions").at(ref.substr(prefix.size()));
  }

  bool ok(const nlohmann::json& schema, const nlohmann::json& v) const {
    std::vector<std::string> e;
    check(schema, v, "", e);
    return e.empty();
  }

  void check(const nlohmann::json& s, const nlohmann::json& v, const std::string& path,
             std::vector<std::string>& errors) const {
    if (s.is_boolean()) {
      if (!s.get<bool>()) errors.push_back(path + ": false schema");
      return;
    }
    static const std::set<std::string> known{
        "$schema", "$id", "title", "description", "definitions", "$ref", "type", "properties",
        "additionalProperties", "required", "propertyNames", "oneOf", "anyOf", "allOf", "not",
        "enum", "const", "pattern", "minLength", "maxLength", "minItems", "items",
        "minProperties", "minimum", "maximum", "if", "then", "else"};
    auto fail = [&](const std::string& m) { errors.push_back(path + ": " + m); };
    for (auto it = s.begin(); it != s.end(); ++it)
      if (!known.count(it.key())) throw std::runtime_error("unsupported keyword " + it.key());
    if (s.contains("$ref")) check(resolve(s["$ref"]), v, path, errors);
    if (s.contains("type")) {
      bool any = false;
      if (s["type"].is_array()) {
        for (const auto& t : s["type"]) any = any || has_type(v, t);
      } else {
        any = has_type(v, s["type"]);
      }
      if (!any) fail("wrong type, expected " + s["type"].dump());
    }
    if (s.contains("const") && v != s["const"]) fail("not " + s["const"].dump());
    if (s.contains("enum")) {
      bool found = false;
      for (const auto& e : s["enum"]) found = found || e == v;
      if (!found) fail(v.dump() + " not in " + s["enum"].dump());
    }
    if (v.is_string()) {
      const auto& str = v.get_ref<const std::string&>();
      if (s.contains("minLength") && code_points(str) < s["minLength"].get<size_t>()) fail("too short");
      if (s.contains("maxLength") && code_points(str) > s["maxLength"].get<size_t>()) fail("too long");
      if (s.contains("pattern") && !std::regex_search(str, std::regex(s["pattern"].get<std::string>())))
        fail("'" + str + "' does not match " + s["pattern"].get<std::string>());
    }
    if (v.is_number()) {
      if (s.contains("minimum") && v.get<double>() < s["minimum"].get<double>()) fail("below minimum");
      if (s.contains("maximum") && v.get<double>() > s["maximum"].get<double>()) fail("above maximum");
    }
    if (v.is_array()) {
      if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) fail("too few items");
      if (s.contains("items"))
        for (size_t i = 0; i < v.size(); ++i) check(s["items"], v[i], path + "[" + std::to_string(i) + "]", errors);
    }
    if (v.is_object()) {
      if (s.contains("minProperties") && v.size() < s["minProperties"].get<size_t>()) fail("too few properties");
      if (s.contains("required"))
        for (const auto& r : s["required"])
          if (!v.contains(r.get<std::string>())) fail("missing " + r.get<std::string>());
      for (auto it = v.begin(); it != v.end(); ++it) {
        const std::string sub = path + "." + it.key();
        if (s.contains("propertyNames")) check(s["propertyNames"], it.key(), sub + " (name)", errors);
        if (s.contains("properties") && s["properties"].contains(it.key()))
          check(s["properties"][it.key()], it.value(), sub, errors);
        else if (s.contains("additionalProperties"))
          check(s["additionalProperties"], it.value(), sub, errors);
      }
    }
    if (s.contains("allOf"))
      for (const auto& sub : s["allOf"]) check(sub, v, path, errors);
    if (s.contains("anyOf")) {
      bool any = false;
      for (const auto& sub : s["anyOf"]) any = any || ok(sub, v);
      if (!any) fail("matches none of anyOf");
    }
    if (s.contains("oneOf")) {
      int n = 0;
      for (const auto& sub : s["oneOf"]) n += ok(sub, v);
      if (n != 1) fail("matches " + std::to_string(n) + " of oneOf");
    }
    if (s.contains("not") && ok(s["not"], v)) fail("matches a 'not' schema");
    if (s.contains("if")) {
      if (ok(s["if"], v)) {
        if (s.contains("then")) check(s["then"], v, path, errors);
      } else if (s.contains("else")) {
        check(s["else"], v, path, errors);
      }
    }
  }

  nlohmann::json root_;
};

}  // namespace zp::test
