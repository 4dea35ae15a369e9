// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/oracle/corpus.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace vsvm::oracle {
namespace {

using json = nlohmann::json;

Status invalid(std::string message)
{
    return Status::error(EINVAL, std::move(message));
}

// A tiny recursive-descent parser of the manifest's size expressions.
class Expression {
public:
    Expression(std::string_view text, const std::map<std::string, std::int64_t>& params)
        : text_(text), params_(params)
    {
    }

    Result<std::int64_t> parse()
    {
        std::int64_t value = sum();
        skip();
        if (!error_.empty())
            return invalid(fmt::format("expression '{}': {}", text_, error_));
        if (pos_ != text_.size())
            return invalid(fmt::format("expression '{}': unexpected '{}'", text_, text_.substr(pos_)));
        return value;
    }

private:
    void skip()
    {
        while (pos_ < text_.size() && text_[pos_] == ' ')
            pos_++;
    }

    std::int64_t sum()
    {
        std::int64_t value = product();
        for (;;) {
            skip();
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
                char op = text_[pos_++];
                std::int64_t rhs = product();
                value = op == '+' ? value + rhs : value - rhs;
            } else {
                return value;
            }
        }
    }

    std::int64_t product()
    {
        std::int64_t value = atom();
        for (;;) {
            skip();
            if (pos_ < text_.size() && (text_[pos_] == '*' || text_[pos_] == '/' || text_[pos_] == '%')) {
                char op = text_[pos_++];
                std::int64_t rhs = atom();
                if (op != '*' && rhs == 0) {
                    error_ = "division by zero";
                    return 0;
                }
                value = op == '*' ? value * rhs : op == '/' ? value / rhs : value % rhs;
            } else {
                return value;
            }
        }
    }

    std::int64_t atom()
    {
        skip();
        if (pos_ >= text_.size()) {
            error_ = "unexpected end";
            return 0;
        }
        char c = text_[pos_];
        if (c == '(') {
            pos_++;
            std::int64_t value = sum();
            skip();
            if (pos_ >= text_.size() || text_[pos_] != ')')
                error_ = "missing ')'";
            else
                pos_++;
            return value;
        }
        if (c == '-') {
            pos_++;
            return -atom();
        }
        std::size_t start = pos_;
        if (std::isdigit(static_cast<unsigned char>(c))) {
            while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])))
                pos_++;
            return std::stoll(std::string(text_.substr(start, pos_ - start)));
        }
        while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
            pos_++;
        std::string name(text_.substr(start, pos_ - start));
        auto it = params_.find(name);
        if (name.empty() || it == params_.end()) {
            error_ = fmt::format("unknown name '{}'", name.empty() ? std::string(1, c) : name);
            return 0;
        }
        return it->second;
    }

    std::string_view text_;
    const std::map<std::string, std::int64_t>& params_;
    std::size_t pos_ = 0;
    std::string error_;
};

std::string exprOf(const json& value)
{
    if (value.is_number_integer())
        return std::to_string(value.get<std::int64_t>());
    if (value.is_number())
        return fmt::format("{}", value.get<double>());
    if (value.is_string())
        return value.get<std::string>();
    return "?";
}

Result<ElemType> parseType(const std::string& name)
{
    static const std::map<std::string, ElemType> types = {
        {"i8", ElemType::I8},   {"u8", ElemType::U8},   {"i16", ElemType::I16}, {"u16", ElemType::U16},
        {"i32", ElemType::I32}, {"u32", ElemType::U32}, {"i64", ElemType::I64}, {"u64", ElemType::U64},
        {"f32", ElemType::F32}, {"ptr", ElemType::Ptr}, {"struct", ElemType::Struct},
    };
    auto it = types.find(name);
    if (it == types.end())
        return invalid(fmt::format("unknown type '{}'", name));
    return it->second;
}

Result<Arg::Kind> parseArgType(const std::string& name)
{
    static const std::map<std::string, Arg::Kind> types = {
        {"u32", Arg::Kind::U32}, {"i32", Arg::Kind::I32}, {"f32", Arg::Kind::F32},
        {"u64", Arg::Kind::U64}, {"i64", Arg::Kind::I64},
    };
    auto it = types.find(name);
    if (it == types.end())
        return invalid(fmt::format("unknown scalar type '{}'", name));
    return it->second;
}

Result<KernelSpec> parseKernel(const json& k)
{
    KernelSpec spec;
    spec.name = k.at("name").get<std::string>();
    spec.entry = k.value("entry", spec.name);
    spec.glsl = k.value("glsl", false);
    spec.clOptions = k.value("cl_options", "");
    if (k.contains("params"))
        for (auto& [name, value] : k["params"].items())
            spec.params[name] = value.get<std::int64_t>();
    for (const char* field : {"global", "local"}) {
        auto& target = std::string(field) == "global" ? spec.global : spec.local;
        const json& dims = k.at(field);
        if (!dims.is_array() || dims.empty() || dims.size() > 3)
            return invalid(fmt::format("'{}' must be a list of 1 to 3 sizes", field));
        for (std::size_t d = 0; d < dims.size(); d++)
            target[d] = exprOf(dims[d]);
    }
    for (const json& b : k.at("buffers")) {
        BufferSpec buffer;
        buffer.name = b.at("name").get<std::string>();
        auto type = parseType(b.at("type").get<std::string>());
        if (!type.ok())
            return invalid(fmt::format("buffer '{}': {}", buffer.name, type.status().message()));
        buffer.type = *type;
        if (buffer.type == ElemType::Struct) {
            buffer.stride = b.at("stride").get<std::uint32_t>();
            if (b.contains("pointers"))
                buffer.pointerFields = b["pointers"].get<std::vector<std::uint32_t>>();
        } else {
            buffer.stride = static_cast<std::uint32_t>(elemSize(buffer.type));
            if (buffer.type == ElemType::Ptr)
                buffer.pointerFields = {0};
        }
        buffer.count = exprOf(b.at("count"));
        if (b.contains("init")) {
            const json& init = b["init"];
            buffer.init.kind = init.at("kind").get<std::string>();
            buffer.init.min = init.value("min", 0.0);
            buffer.init.max = init.value("max", 0.0);
            buffer.init.value = init.value("value", 0.0);
            buffer.init.start = init.value("start", 0.0);
            buffer.init.step = init.value("step", 1.0);
            buffer.init.pool = init.value("pool", "");
            buffer.init.maxLen = init.value("max_len", std::uint64_t{0});
            buffer.init.text = init.value("alphabet", "");
            buffer.init.round = init.value("round", false);
            static const char* kinds[] = {"zero", "fill", "iota", "uniform", "text", "list", "graph"};
            if (std::find(std::begin(kinds), std::end(kinds), buffer.init.kind) == std::end(kinds))
                return invalid(fmt::format("buffer '{}': unknown init kind '{}'", buffer.name, buffer.init.kind));
        }
        if (b.contains("output")) {
            const json& out = b["output"];
            CompareSpec rule;
            if (out.is_string() && out.get<std::string>() == "exact") {
                rule.kind = CompareSpec::Kind::Exact;
            } else if (out.is_object() && out.contains("ulp")) {
                rule.kind = CompareSpec::Kind::Ulp;
                rule.ulp = out["ulp"].get<std::uint32_t>();
                rule.abs = out.value("abs", 0.0);
                if (buffer.type != ElemType::F32)
                    return invalid(fmt::format("buffer '{}': an ulp bound needs type f32", buffer.name));
            } else if (out.is_object() && out.contains("tree")) {
                rule.kind = CompareSpec::Kind::Tree;
                const json& tree = out["tree"];
                rule.treePool = tree.at("pool").get<std::string>();
                rule.left = tree.at("left").get<std::uint32_t>();
                rule.right = tree.at("right").get<std::uint32_t>();
                rule.value = tree.at("value").get<std::uint32_t>();
            } else {
                return invalid(fmt::format("buffer '{}': output must be \"exact\", {{\"ulp\": N}} or {{\"tree\": ...}}",
                                           buffer.name));
            }
            buffer.output = rule;
        }
        spec.buffers.push_back(std::move(buffer));
    }
    for (const json& a : k.at("args")) {
        ArgSpec arg;
        if (a.contains("buffer")) {
            arg.buffer = a["buffer"].get<std::string>();
            arg.type = Arg::Kind::Pointer;
            bool known = std::any_of(spec.buffers.begin(), spec.buffers.end(),
                                     [&](const BufferSpec& b) { return b.name == arg.buffer; });
            if (!known)
                return invalid(fmt::format("argument: no buffer '{}'", arg.buffer));
        } else {
            auto type = parseArgType(a.at("type").get<std::string>());
            if (!type.ok())
                return type.status();
            arg.type = *type;
            arg.value = exprOf(a.at("value"));
        }
        spec.args.push_back(std::move(arg));
    }
    return spec;
}

// Inputs depend on the seed and the names only.
std::uint64_t seedOf(std::uint64_t seed, const std::string& kernel, const std::string& buffer)
{
    std::uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (char c : kernel + "/" + buffer)
        h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    return h;
}

void storeElem(std::uint8_t* p, ElemType type, double value)
{
    switch (type) {
    case ElemType::F32: {
        float f = static_cast<float>(value);
        std::memcpy(p, &f, 4);
        return;
    }
    case ElemType::I8:
    case ElemType::U8: {
        auto v = static_cast<std::uint8_t>(static_cast<std::int64_t>(value));
        std::memcpy(p, &v, 1);
        return;
    }
    case ElemType::I16:
    case ElemType::U16: {
        auto v = static_cast<std::uint16_t>(static_cast<std::int64_t>(value));
        std::memcpy(p, &v, 2);
        return;
    }
    case ElemType::I32:
    case ElemType::U32: {
        auto v = static_cast<std::uint32_t>(static_cast<std::int64_t>(value));
        std::memcpy(p, &v, 4);
        return;
    }
    default: {
        auto v = static_cast<std::uint64_t>(static_cast<std::int64_t>(value));
        std::memcpy(p, &v, 8);
        return;
    }
    }
}

template <typename T>
void put(std::uint8_t* p, T value)
{
    std::memcpy(p, &value, sizeof(T));
}

template <typename T>
T get(const std::uint8_t* p)
{
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

} // namespace

bool KernelSpec::pointersInData() const
{
    return std::any_of(buffers.begin(), buffers.end(), [](const BufferSpec& b) { return !b.pointerFields.empty(); });
}

const KernelSpec* Corpus::find(std::string_view name) const
{
    for (const KernelSpec& k : kernels)
        if (k.name == name)
            return &k;
    return nullptr;
}

std::size_t elemSize(ElemType type)
{
    switch (type) {
    case ElemType::I8:
    case ElemType::U8:
        return 1;
    case ElemType::I16:
    case ElemType::U16:
        return 2;
    case ElemType::I32:
    case ElemType::U32:
    case ElemType::F32:
        return 4;
    default:
        return 8;
    }
}

const char* elemTypeName(ElemType type)
{
    static const char* names[] = {"i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "ptr", "struct"};
    return names[static_cast<int>(type)];
}

Result<std::int64_t> evaluate(std::string_view expression, const std::map<std::string, std::int64_t>& params)
{
    return Expression(expression, params).parse();
}

Result<Corpus> loadCorpus(const std::string& dir)
{
    std::string path = dir + "/corpus.json";
    std::ifstream in(path);
    if (!in)
        return Status::fromErrno(errno ? errno : ENOENT, "open " + path);
    Corpus corpus;
    corpus.dir = dir;
    json manifest = json::parse(in, nullptr, false);
    if (manifest.is_discarded())
        return invalid(path + ": not valid JSON");
    if (!manifest.contains("kernels") || !manifest["kernels"].is_array())
        return invalid(path + ": no \"kernels\" list");
    for (const json& k : manifest["kernels"]) {
        std::string name = k.is_object() ? k.value("name", "?") : "?";
        Result<KernelSpec> spec = [&]() -> Result<KernelSpec> {
            try {
                return parseKernel(k);
            } catch (const json::exception& e) {
                return invalid(e.what());
            }
        }();
        if (!spec.ok())
            return invalid(fmt::format("{}: kernel '{}': {}", path, name, spec.status().message()));
        if (corpus.find(spec->name))
            return invalid(fmt::format("{}: kernel '{}' twice", path, spec->name));
        corpus.kernels.push_back(std::move(*spec));
    }
    return corpus;
}

const Instance::Buffer* Instance::buffer(std::string_view name) const
{
    for (const Buffer& b : buffers_)
        if (b.spec->name == name)
            return &b;
    return nullptr;
}

Result<Instance> Instance::create(const KernelSpec& spec, std::uint64_t seed, const Allocator& allocate)
{
    Instance inst;
    inst.spec_ = &spec;
    auto where = [&](std::string_view what, const Status& status) {
        return invalid(fmt::format("kernel '{}': {}: {}", spec.name, what, status.message()));
    };
    for (unsigned d = 0; d < 3; d++) {
        auto g = evaluate(spec.global[d], spec.params);
        auto l = evaluate(spec.local[d], spec.params);
        if (!g.ok())
            return where("global size", g.status());
        if (!l.ok())
            return where("local size", l.status());
        if (*g <= 0 || *l <= 0 || *g % *l)
            return invalid(fmt::format("kernel '{}': global size {} is not a positive multiple of local size {}",
                                       spec.name, *g, *l));
        inst.range_.global[d] = static_cast<std::uint32_t>(*g);
        inst.range_.local[d] = static_cast<std::uint32_t>(*l);
    }
    for (const BufferSpec& b : spec.buffers) {
        auto count = evaluate(b.count, spec.params);
        if (!count.ok())
            return where("buffer " + b.name, count.status());
        if (*count < 0)
            return invalid(fmt::format("kernel '{}': buffer '{}' of {} elements", spec.name, b.name, *count));
        std::size_t bytes = static_cast<std::size_t>(*count) * b.stride;
        Result<void*> memory = allocate(std::max<std::size_t>(bytes, 1));
        if (!memory.ok())
            return memory.status();
        inst.buffers_.push_back({&b, static_cast<std::uint8_t*>(*memory), static_cast<std::size_t>(*count), bytes});
    }
    for (const ArgSpec& a : spec.args) {
        if (!a.buffer.empty()) {
            inst.scalarArgs_.push_back(0);
            continue;
        }
        if (a.type == Arg::Kind::F32) {
            float f = std::stof(a.value);
            inst.scalarArgs_.push_back(std::bit_cast<std::uint32_t>(f));
            continue;
        }
        auto v = evaluate(a.value, spec.params);
        if (!v.ok())
            return where("argument", v.status());
        std::uint64_t bits = static_cast<std::uint64_t>(*v);
        if (a.type == Arg::Kind::U32 || a.type == Arg::Kind::I32)
            bits &= 0xffffffffu;
        inst.scalarArgs_.push_back(bits);
    }

    // Plain initialisers first, then the pointer structures, which may
    // fill other buffers (the pools).
    for (Buffer& buf : inst.buffers_) {
        const InitSpec& init = buf.spec->init;
        std::mt19937_64 rng(seedOf(seed, spec.name, buf.spec->name));
        std::memset(buf.data, 0, buf.bytes);
        for (std::size_t i = 0; i < buf.count && buf.spec->type != ElemType::Struct; i++) {
            std::uint8_t* p = buf.data + i * buf.spec->stride;
            if (init.kind == "fill") {
                storeElem(p, buf.spec->type, init.value);
            } else if (init.kind == "iota") {
                storeElem(p, buf.spec->type, init.start + init.step * static_cast<double>(i));
            } else if (init.kind == "uniform") {
                if (buf.spec->type == ElemType::F32) {
                    double unit = static_cast<double>(rng() >> 40) / static_cast<double>(1ull << 24);
                    double v = init.min + (init.max - init.min) * unit;
                    storeElem(p, buf.spec->type, init.round ? std::round(v) : v);
                } else {
                    // In unsigned arithmetic: the span of a wide range overflows int64_t.
                    auto lo = static_cast<std::int64_t>(init.min), hi = static_cast<std::int64_t>(init.max);
                    std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
                    std::uint64_t r = span ? rng() % span : rng();
                    storeElem(p, buf.spec->type,
                              static_cast<double>(static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + r)));
                }
            } else if (init.kind == "text") {
                if (init.text.empty())
                    return invalid(fmt::format("kernel '{}': buffer '{}': text needs an alphabet", spec.name,
                                               buf.spec->name));
                storeElem(p, buf.spec->type, static_cast<unsigned char>(init.text[rng() % init.text.size()]));
            }
        }
    }
    for (Buffer& buf : inst.buffers_) {
        const InitSpec& init = buf.spec->init;
        std::mt19937_64 rng(seedOf(seed, spec.name, buf.spec->name + "#structure"));
        if (init.kind == "list") {
            // Heads (ptr) into a pool of nodes {next, u32 value}: list i has
            // up to max_len nodes, taken from the pool in a shuffled order.
            const Buffer* pool = inst.buffer(init.pool);
            if (!pool || pool->spec->stride < 16 || buf.spec->type != ElemType::Ptr)
                return invalid(fmt::format("kernel '{}': list '{}' needs ptr heads and a pool of 16-byte nodes",
                                           spec.name, buf.spec->name));
            std::vector<std::size_t> order(pool->count);
            for (std::size_t i = 0; i < order.size(); i++)
                order[i] = i;
            std::shuffle(order.begin(), order.end(), rng);
            std::size_t next = 0;
            for (std::size_t h = 0; h < buf.count; h++) {
                std::uint64_t head = 0;
                std::size_t length = init.maxLen ? rng() % (init.maxLen + 1) : 0;
                for (std::size_t k = 0; k < length && next < order.size(); k++) {
                    std::uint8_t* node = pool->data + order[next++] * pool->spec->stride;
                    put<std::uint64_t>(node, head);
                    put<std::uint32_t>(node + 8, static_cast<std::uint32_t>(rng() % 1000));
                    head = reinterpret_cast<std::uintptr_t>(node);
                }
                put<std::uint64_t>(buf.data + h * 8, head);
            }
        } else if (init.kind == "graph") {
            // Nodes {adj, degree, level} with their edges in the ptr buffer
            // "pool": node i's neighbours are pointers to nodes.
            const Buffer* edges = inst.buffer(init.pool);
            if (!edges || edges->spec->type != ElemType::Ptr || buf.spec->stride < 16)
                return invalid(fmt::format("kernel '{}': graph '{}' needs 16-byte nodes and a ptr edge buffer",
                                           spec.name, buf.spec->name));
            std::size_t used = 0;
            for (std::size_t i = 0; i < buf.count; i++) {
                std::uint8_t* node = buf.data + i * buf.spec->stride;
                std::size_t degree = init.maxLen ? rng() % (init.maxLen + 1) : 0;
                degree = std::min(degree, edges->count - used);
                put<std::uint64_t>(node, reinterpret_cast<std::uintptr_t>(edges->data + used * 8));
                put<std::uint32_t>(node + 8, static_cast<std::uint32_t>(degree));
                put<std::int32_t>(node + 12, i == 0 ? 0 : -1);
                for (std::size_t e = 0; e < degree; e++) {
                    std::uint8_t* target = buf.data + (rng() % buf.count) * buf.spec->stride;
                    put<std::uint64_t>(edges->data + (used + e) * 8, reinterpret_cast<std::uintptr_t>(target));
                }
                used += degree;
            }
        }
    }
    return inst;
}

std::vector<Arg> Instance::args() const
{
    std::vector<Arg> args;
    for (std::size_t i = 0; i < spec_->args.size(); i++) {
        const ArgSpec& a = spec_->args[i];
        if (!a.buffer.empty())
            args.push_back(Arg::pointer(buffer(a.buffer)->data));
        else
            args.push_back({a.type, scalarArgs_[i]});
    }
    return args;
}

std::vector<std::string> Instance::glslDefines() const
{
    return {fmt::format("LOCAL_X={}", range_.local[0]), fmt::format("LOCAL_Y={}", range_.local[1]),
            fmt::format("LOCAL_Z={}", range_.local[2])};
}

std::vector<HostBuffer> Instance::buffers() const
{
    std::vector<HostBuffer> out;
    for (const Buffer& b : buffers_)
        out.push_back({b.data, std::max<std::size_t>(b.bytes, 1)});
    return out;
}

std::map<std::string, std::vector<std::uint8_t>> Instance::outputs() const
{
    // A pointer as "which buffer, which offset", comparable across runs.
    auto normalize = [&](std::uint64_t p) -> std::uint64_t {
        if (!p)
            return 0;
        for (std::size_t k = 0; k < buffers_.size(); k++) {
            auto base = reinterpret_cast<std::uintptr_t>(buffers_[k].data);
            if (p >= base && p < base + std::max<std::size_t>(buffers_[k].bytes, 1))
                return (std::uint64_t{k + 1} << 48) | (p - base);
        }
        return ~std::uint64_t{0};
    };
    std::map<std::string, std::vector<std::uint8_t>> out;
    for (const Buffer& b : buffers_) {
        if (!b.spec->output)
            continue;
        const CompareSpec& rule = *b.spec->output;
        std::vector<std::uint8_t> bytes;
        if (rule.kind == CompareSpec::Kind::Tree) {
            // Preorder walk from the root pointer in element 0, each node
            // visited at most once (a cycle or a shared node shows as a
            // 0xfffffffe marker, a pointer outside the pool likewise).
            const Buffer* pool = buffer(rule.treePool);
            std::vector<std::uint32_t> walk;
            std::vector<bool> seen(pool ? pool->count : 0, false);
            std::vector<std::uint64_t> stack = {b.count ? get<std::uint64_t>(b.data) : 0};
            auto base = pool ? reinterpret_cast<std::uintptr_t>(pool->data) : 0;
            while (!stack.empty()) {
                std::uint64_t p = stack.back();
                stack.pop_back();
                if (!p) {
                    walk.push_back(0xffffffffu);
                    continue;
                }
                std::size_t index = pool ? (p - base) / pool->spec->stride : 0;
                if (!pool || p < base || index >= pool->count || (p - base) % pool->spec->stride || seen[index]) {
                    walk.push_back(0xfffffffeu);
                    continue;
                }
                seen[index] = true;
                const std::uint8_t* node = pool->data + index * pool->spec->stride;
                walk.push_back(get<std::uint32_t>(node + rule.value));
                stack.push_back(get<std::uint64_t>(node + rule.right));
                stack.push_back(get<std::uint64_t>(node + rule.left));
            }
            bytes.resize(walk.size() * 4);
            std::memcpy(bytes.data(), walk.data(), bytes.size());
        } else {
            bytes.assign(b.data, b.data + b.bytes);
            for (std::size_t i = 0; i < b.count; i++)
                for (std::uint32_t field : b.spec->pointerFields) {
                    std::uint8_t* p = bytes.data() + i * b.spec->stride + field;
                    put<std::uint64_t>(p, normalize(get<std::uint64_t>(p)));
                }
        }
        out[b.spec->name] = std::move(bytes);
    }
    return out;
}

namespace {

std::string elemText(ElemType type, const std::uint8_t* p)
{
    switch (type) {
    case ElemType::I8:
        return std::to_string(get<std::int8_t>(p));
    case ElemType::U8:
        return std::to_string(get<std::uint8_t>(p));
    case ElemType::I16:
        return std::to_string(get<std::int16_t>(p));
    case ElemType::U16:
        return std::to_string(get<std::uint16_t>(p));
    case ElemType::I32:
        return std::to_string(get<std::int32_t>(p));
    case ElemType::U32:
        return std::to_string(get<std::uint32_t>(p));
    case ElemType::I64:
        return std::to_string(get<std::int64_t>(p));
    case ElemType::F32:
        return fmt::format("{} ({:#010x})", get<float>(p), get<std::uint32_t>(p));
    default:
        return fmt::format("{:#x}", get<std::uint64_t>(p));
    }
}

// Distance in units in the last place, over the ordered integers of floats.
std::uint64_t ulpDistance(std::uint32_t a, std::uint32_t b)
{
    auto ordered = [](std::uint32_t v) -> std::int64_t {
        return v & 0x80000000u ? -static_cast<std::int64_t>(v & 0x7fffffffu) : static_cast<std::int64_t>(v);
    };
    std::int64_t d = ordered(a) - ordered(b);
    return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

} // namespace

Comparison compare(const BufferSpec& buffer, const CompareSpec& rule, std::span<const std::uint8_t> expected,
                   std::span<const std::uint8_t> actual)
{
    Comparison result;
    if (expected.size() != actual.size()) {
        result.equal = false;
        result.mismatches = 1;
        result.firstMismatch = fmt::format("{} bytes expected, {} bytes got", expected.size(), actual.size());
        return result;
    }
    std::size_t stride = rule.kind == CompareSpec::Kind::Tree ? 4 : buffer.stride;
    ElemType type = rule.kind == CompareSpec::Kind::Tree ? ElemType::U32 : buffer.type;
    for (std::size_t off = 0; off + stride <= expected.size(); off += stride) {
        const std::uint8_t* e = expected.data() + off;
        const std::uint8_t* a = actual.data() + off;
        bool same;
        if (rule.kind == CompareSpec::Kind::Ulp) {
            auto eb = get<std::uint32_t>(e), ab = get<std::uint32_t>(a);
            bool enan = std::isnan(get<float>(e)), anan = std::isnan(get<float>(a));
            same = enan || anan ? enan == anan
                                : ulpDistance(eb, ab) <= rule.ulp ||
                                      std::fabs(static_cast<double>(get<float>(e)) - get<float>(a)) <= rule.abs;
        } else {
            same = std::memcmp(e, a, stride) == 0;
        }
        if (same)
            continue;
        if (!result.mismatches)
            result.firstMismatch = type == ElemType::Struct
                                       ? fmt::format("element {}: bytes differ", off / stride)
                                       : fmt::format("element {}: expected {}, got {}", off / stride,
                                                     elemText(type, e), elemText(type, a));
        result.mismatches++;
        result.equal = false;
    }
    return result;
}

} // namespace vsvm::oracle
