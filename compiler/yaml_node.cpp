// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/yaml_node.h"

#include <map>
#include <sstream>
#include <unordered_map>

#include <fmt/core.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "compiler/error_codes.h"
#include "compiler/text_util.h"

namespace zp::yaml {
namespace {

// Aliases may repeat a subtree, and every later stage walks the expanded tree; cap the expansion
// (a "billion laughs" document) at this many nodes beyond those actually written.
constexpr size_t kMaxAliasGrowth = 100000;

// A policy needs a few levels of nesting. The limit is checked here, at the event of the
// collection that crosses it, because yaml-cpp's own guard (DeepRecursion, ~500 levels) reports
// the scanner's position, which in a flow collection is already the end of the line.
constexpr size_t kMaxNesting = 256;

size_t saturating_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

struct Abort {};  // stops the parse after an error that leaves no usable tree

class Builder : public YAML::EventHandler {
 public:
  Builder(std::string file, Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  NodePtr root() const { return root_; }
  size_t physical_nodes() const { return physical_; }
  int documents() const { return documents_; }
  const ir::SourceLoc& second_document() const { return second_doc_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ == 2) second_doc_ = loc(mark);
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto n = make(Node::Kind::Null, mark);
    // An empty value (`key:`) has no text of its own; its key is the place to point at.
    if (!stack_.empty() && stack_.back().pending_key) n->loc = stack_.back().pending_key->loc;
    finish(std::move(n), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      diags_.error(code::kYamlSyntax, loc(mark),
                   "this alias refers to a node that contains it (a recursive alias)");
      throw Abort{};
    }
    attach(it->second);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    auto n = make(Node::Kind::Scalar, mark);
    n->value = value;
    n->plain = tag == "?";
    check_tag(tag, mark);
    finish(std::move(n), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    check_depth(mark);
    check_tag(tag, mark);
    stack_.push_back({make(Node::Kind::Sequence, mark), anchor, nullptr});
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    check_depth(mark);
    check_tag(tag, mark);
    stack_.push_back({make(Node::Kind::Map, mark), anchor, nullptr});
  }
  void OnMapEnd() override {
    drop_duplicate_keys(*stack_.back().node);
    close();
  }

 private:
  struct Frame {
    std::shared_ptr<Node> node;
    YAML::anchor_t anchor;
    NodePtr pending_key;  // maps: the key whose value comes next
  };

  ir::SourceLoc loc(const YAML::Mark& m) const {
    if (m.is_null()) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }

  std::shared_ptr<Node> make(Node::Kind kind, const YAML::Mark& mark) {
    ++physical_;
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->loc = loc(mark);
    return n;
  }

  // Only the tags every YAML reader agrees on are allowed: "?" (plain) and "!" (quoted).
  void check_tag(const std::string& tag, const YAML::Mark& mark) {
    if (tag.empty() || tag == "?" || tag == "!") return;
    diags_.error(code::kYamlSyntax, loc(mark),
                 fmt::format("YAML tag {} is not supported", quote(tag)),
                 "remove the tag; zoneproof reads every value as plain text");
  }

  void check_depth(const YAML::Mark& mark) {
    if (stack_.size() < kMaxNesting) return;
    diags_.error(code::kTooLarge, loc(mark),
                 fmt::format("the YAML nests more than {} levels deep", kMaxNesting),
                 "a policy needs only a few levels of nesting");
    throw Abort{};
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.pending_key) {  // cannot happen with a well-formed event stream; keep the tree sound
      f.node->entries.emplace_back(f.pending_key, std::make_shared<Node>());
    }
    finish(std::move(f.node), f.anchor);
  }

  void finish(std::shared_ptr<Node> n, YAML::anchor_t anchor) {
    for (const auto& item : n->items) n->weight = saturating_add(n->weight, item->weight);
    for (const auto& [k, v] : n->entries)
      n->weight = saturating_add(n->weight, saturating_add(k->weight, v->weight));
    NodePtr done = std::move(n);
    // Registered only when complete, so an alias inside its own anchor is detected as recursive.
    if (anchor != YAML::NullAnchor) anchors_[anchor] = done;
    attach(std::move(done));
  }

  void attach(NodePtr n) {
    if (stack_.empty()) {
      if (documents_ <= 1) root_ = std::move(n);
      return;
    }
    Frame& top = stack_.back();
    if (top.node->kind == Node::Kind::Sequence) {
      top.node->items.push_back(std::move(n));
    } else if (!top.pending_key) {
      top.pending_key = std::move(n);
    } else {
      top.node->entries.emplace_back(std::move(top.pending_key), std::move(n));
      top.pending_key = nullptr;
    }
  }

  void drop_duplicate_keys(Node& map) {
    std::unordered_map<std::string, const Node*> seen;
    std::vector<std::pair<NodePtr, NodePtr>> kept;
    kept.reserve(map.entries.size());
    for (auto& entry : map.entries) {
      const Node& key = *entry.first;
      if (key.is_scalar()) {
        auto [it, fresh] = seen.emplace(key.value, &key);
        if (!fresh) {
          diags_.error(code::kDuplicateKey, key.loc,
                       fmt::format("duplicate key {}", quote(key.value)),
                       "each key may appear once in a mapping; merge the two entries",
                       {{it->second->loc, "first defined here"}});
          continue;
        }
      }
      kept.push_back(std::move(entry));
    }
    map.entries = std::move(kept);
  }

  std::string file_;
  Diagnostics& diags_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, NodePtr> anchors_;
  NodePtr root_;
  size_t physical_ = 0;
  int documents_ = 0;
  ir::SourceLoc second_doc_;
};

// YAML forbids control characters other than tab and line breaks, and zoneproof reads UTF-8
// only; checking first gives one clear error instead of whatever the scanner makes of junk.
bool check_encoding(std::string_view text, const std::string& file, Diagnostics& diags) {
  size_t bad = 0;
  if (!valid_utf8(text, &bad)) {
    auto [line, col] = line_col(text, bad);
    diags.error(code::kEncoding, {file, line, col},
                fmt::format("invalid UTF-8 (byte 0x{:02x}); policy files must be UTF-8 text",
                            static_cast<unsigned char>(text[bad])));
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      auto [line, col] = line_col(text, i);
      diags.error(code::kEncoding, {file, line, col},
                  fmt::format("control character 0x{:02x} is not allowed in a policy file", c));
      return false;
    }
    // NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029) are line breaks to
    // some readers and not to others: yaml-cpp folds NEL into a space, nft and log readers end a
    // line at them. A policy means one thing everywhere, so only LF (and CR LF) break lines.
    const bool nel = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x85;
    const bool sep = c == 0xe2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                     (static_cast<unsigned char>(text[i + 2]) == 0xa8 ||
                      static_cast<unsigned char>(text[i + 2]) == 0xa9);
    if (nel || sep) {
      auto [line, col] = line_col(text, i);
      diags.error(code::kEncoding, {file, line, col},
                  fmt::format("{} is not allowed in a policy file",
                              nel ? "U+0085 (NEXT LINE)"
                                  : static_cast<unsigned char>(text[i + 2]) == 0xa8
                                        ? "U+2028 (LINE SEPARATOR)"
                                        : "U+2029 (PARAGRAPH SEPARATOR)"),
                  "readers disagree whether it ends a line; use a plain line break, or remove it");
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_clean_text(std::string_view text) {
  Diagnostics ignored;
  return check_encoding(text, {}, ignored);
}

namespace {

std::string syntax_hint(std::string_view text, int line) {
  size_t start = 0;
  for (int i = 1; i < line && start != std::string_view::npos; ++i) {
    start = text.find('\n', start);
    if (start != std::string_view::npos) ++start;
  }
  if (start == std::string_view::npos) return {};
  std::string_view l = text.substr(start, text.find('\n', start) - start);
  if (l.find('\t') != std::string_view::npos) return "YAML does not allow tabs for indentation";
  return {};
}

}  // namespace

std::pair<int, int> line_col(std::string_view text, size_t offset) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, static_cast<int>(offset - line_start) + 1};
}

std::string describe(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Null: return "nothing";
    case Node::Kind::Scalar: return fmt::format("{}", quote(n.value));
    case Node::Kind::Sequence: return "a list";
    case Node::Kind::Map: return "a mapping";
  }
  return "?";
}

NodePtr parse(std::string_view text, const std::string& file, Diagnostics& diags) {
  if (!check_encoding(text, file, diags)) return nullptr;
  Builder builder(file, diags);
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
      if (builder.documents() >= 2) break;
    }
  } catch (const Abort&) {
    return nullptr;
  } catch (const YAML::DeepRecursion& e) {
    diags.error(code::kTooLarge, {file, e.mark.line + 1, e.mark.column + 1},
                fmt::format("the YAML nests more than {} levels deep", e.depth() - 1),
                "a policy needs only a few levels of nesting");
    return nullptr;
  } catch (const YAML::Exception& e) {
    ir::SourceLoc loc{file, e.mark.is_null() ? 0 : e.mark.line + 1,
                      e.mark.is_null() ? 0 : e.mark.column + 1};
    // yaml-cpp (like the YAML spec) reads a key without '?' only up to 1024 characters; past
    // that it stops at the ':' with "illegal map value", which says nothing about why.
    if (e.msg == YAML::ErrorMsg::MAP_VALUE && loc.col > 1024) {
      diags.error(code::kYamlSyntax, loc,
                  "YAML syntax error: a mapping key longer than 1024 characters must be written "
                  "as an explicit key",
                  "write '? <the key>' on one line and ': <its value>' on the next");
      return nullptr;
    }
    diags.error(code::kYamlSyntax, loc, fmt::format("YAML syntax error: {}", e.msg),
                syntax_hint(text, loc.line));
    return nullptr;
  }
  if (builder.documents() >= 2) {
    diags.error(code::kManyDocuments, builder.second_document(),
                "a policy file holds one YAML document; this is a second one",
                "split the documents into files and use 'include'");
    return nullptr;
  }
  NodePtr root = builder.root();
  if (!root) {
    auto n = std::make_shared<Node>();
    n->loc = {file, 1, 1};
    return n;
  }
  if (root->weight > saturating_add(builder.physical_nodes(), kMaxAliasGrowth)) {
    diags.error(code::kTooLarge, root->loc,
                fmt::format("aliases expand this document to more than {} nodes",
                            builder.physical_nodes() + kMaxAliasGrowth),
                "use fewer nested aliases");
    return nullptr;
  }
  return root;
}

}  // namespace zp::yaml
