// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "clgen.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

namespace vsvm::clgen {

namespace {

/// splitmix64: small, fast, and the same on every platform and standard
/// library (std::uniform_int_distribution is not), which a seed needs.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next()
    {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, n), n > 0 (the modulo bias is irrelevant here).
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }
    /// [lo, hi]
    std::uint32_t range(std::uint32_t lo, std::uint32_t hi) { return lo + below(hi - lo + 1); }
    /// True with probability percent / 100.
    bool chance(unsigned percent) { return below(100) < percent; }
    template <typename T>
    const T& pick(const std::vector<T>& items)
    {
        return items[below(static_cast<std::uint32_t>(items.size()))];
    }

private:
    std::uint64_t state_;
};

constexpr ElementType kTypes[] = {ElementType::U32, ElementType::I32, ElementType::U64, ElementType::I64,
                                  ElementType::F32};

bool isUnsigned(ElementType t) { return t == ElementType::U32 || t == ElementType::U64; }
bool isSigned(ElementType t) { return t == ElementType::I32 || t == ElementType::I64; }
bool is64(ElementType t) { return t == ElementType::U64 || t == ElementType::I64; }

/// The unsigned type of the same width ("uint" for int).
const char* unsignedName(ElementType t) { return is64(t) ? "ulong" : "uint"; }

std::string floatLiteral(float value)
{
    std::string text = fmt::format("{:.9g}", value);
    if (text.find_first_of(".en") == std::string::npos)
        text += ".0";
    text += "f";
    return std::signbit(value) ? fmt::format("({})", text) : text;
}

struct Var {
    std::string name;
    ElementType type;
};

struct Helper {
    std::string name;
    ElementType result;
    std::vector<ElementType> params;
    std::string definition;
    unsigned calls = 0;
};

/// What the code being generated may use.
struct Scope {
    std::vector<Var> writable;
    std::vector<Var> readOnly;
    bool kernel = false;       // gid, inputs, output, counters, helpers
    bool inLoop = false;       // break / continue
    bool mayReturn = false;    // after the last barrier
};

class Generator {
public:
    Generator(std::uint64_t seed, const Options& options) : rng_(seed), options_(options) { program_.seed = seed; }

    Program run();

private:
    // Expressions: fully parenthesised, so that clang has no precedence to
    // warn about, and typed exactly (explicit conversions only).
    std::string expr(ElementType t, unsigned depth);
    std::string leaf(ElementType t);
    /// A variable, a parameter or the work-item id, converted if need be.
    std::string nonLiteral(ElementType t);
    std::string literal(ElementType t);
    std::string convert(ElementType to, ElementType from, const std::string& e);
    std::string cond(unsigned depth);
    std::string index(std::uint32_t size);
    std::string bits(ElementType t, const std::string& e);
    std::string use(const char* prelude)
    {
        prelude_.insert(prelude);
        return prelude;
    }

    // Statements.
    void block(unsigned depth, unsigned statements);
    void statement(unsigned depth);
    void assign();
    void store();
    void atomic();
    void ifElse(unsigned depth);
    void forLoop(unsigned depth);
    void whileLoop(unsigned depth);
    void exchange();
    void localAtomics();

    void line(const std::string& text) { body_ += fmt::format("{:{}}{}\n", "", indent_ * 4, text); }
    std::string fresh(const char* prefix) { return fmt::format("{}{}", prefix, names_++); }
    void makeHelper(unsigned n);
    std::string preludeText() const;

    Rng rng_;
    Options options_;
    Program program_;
    Scope scope_;
    std::string body_;
    unsigned indent_ = 1;
    unsigned names_ = 0;
    std::set<std::string> prelude_;
    std::vector<Helper> helpers_;
    std::vector<std::size_t> inputs_; // indexes in program_.buffers
    std::vector<const char*> counterOps_;
    std::uint32_t localSize_ = 16;
    std::uint32_t slots_ = 0;
    std::uint32_t nextSlot_ = 0;
    bool usesLocal_ = false;
    bool usesLocal64_ = false;
    unsigned indexDepth_ = 0;
    bool usesLocalCounter_ = false;
};

std::string Generator::literal(ElementType t)
{
    switch (t) {
    case ElementType::U32: {
        static const std::vector<std::uint32_t> special{0, 1, 2, 3, 7, 16, 31, 32, 255, 0x7fffffff, 0x80000000,
                                                        0xffffffff};
        std::uint32_t v = rng_.chance(50) ? rng_.pick(special) : static_cast<std::uint32_t>(rng_.next());
        return fmt::format("{}u", v);
    }
    case ElementType::I32: {
        static const std::vector<std::int32_t> special{0, 1, -1, 2, -2, 7, 100, std::numeric_limits<int>::max(),
                                                       std::numeric_limits<int>::min()};
        std::int32_t v = rng_.chance(50) ? rng_.pick(special) : static_cast<std::int32_t>(rng_.next() % 2001) - 1000;
        if (v == std::numeric_limits<int>::min())
            return "(-2147483647 - 1)";
        return v < 0 ? fmt::format("({})", v) : fmt::format("{}", v);
    }
    case ElementType::U64: {
        static const std::vector<std::uint64_t> special{0, 1, 5, 63, 64, 0xffffffffull, 0x100000000ull,
                                                        0x7fffffffffffffffull, 0xffffffffffffffffull};
        std::uint64_t v = rng_.chance(50) ? rng_.pick(special) : rng_.next();
        return fmt::format("{}UL", v);
    }
    case ElementType::I64: {
        static const std::vector<std::int64_t> special{0, 1, -1, 3, -100000, 0x7fffffffll, -0x80000000ll,
                                                       std::numeric_limits<std::int64_t>::max(),
                                                       std::numeric_limits<std::int64_t>::min()};
        std::int64_t v = rng_.chance(50) ? rng_.pick(special) : static_cast<std::int64_t>(rng_.next() % 200001) - 100000;
        if (v == std::numeric_limits<std::int64_t>::min())
            return "(-9223372036854775807L - 1L)";
        return v < 0 ? fmt::format("({}L)", v) : fmt::format("{}L", v);
    }
    case ElementType::F32: {
        static const std::vector<float> special{0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 3.0f, 0.1f, 1e-3f, 1e10f, -2.5f,
                                                65536.0f, 1.17549435e-38f};
        float v = rng_.chance(60) ? rng_.pick(special)
                                  : static_cast<float>(static_cast<std::int32_t>(rng_.below(20001)) - 10000) / 64.0f;
        return floatLiteral(v);
    }
    }
    return "0";
}

std::string Generator::index(std::uint32_t size)
{
    // Any uint expression, masked to the power-of-two size: never out of
    // bounds. Inside an index, only simple ones (no loads in loads).
    std::string e;
    if (indexDepth_ > 0 || rng_.chance(40)) {
        e = scope_.kernel ? (rng_.chance(50) ? "gid" : "lid") : literal(ElementType::U32);
    } else {
        ++indexDepth_;
        e = expr(ElementType::U32, 1);
        --indexDepth_;
    }
    return fmt::format("({} & {}u)", e, size - 1);
}

std::string Generator::leaf(ElementType t)
{
    // Choose first, build only the choice: a load's index is an expression.
    std::vector<std::string> names;
    for (const Var& v : scope_.writable)
        if (v.type == t)
            names.push_back(v.name);
    for (const Var& v : scope_.readOnly)
        if (v.type == t)
            names.push_back(v.name);
    std::vector<std::size_t> loads;
    if (scope_.kernel) {
        for (std::size_t i : inputs_)
            if (program_.buffers[i].type == t)
                loads.push_back(i);
        if (t == ElementType::U32) {
            names.push_back("gid");
            names.push_back("lid");
            if (rng_.chance(30))
                names.push_back("grp");
        }
    }
    if (!loads.empty() && indexDepth_ == 0 && rng_.chance(35)) {
        const Buffer& b = program_.buffers[rng_.pick(loads)];
        return fmt::format("{}[{}]", b.name, index(static_cast<std::uint32_t>(b.count)));
    }
    if (names.empty() || rng_.chance(20))
        return literal(t);
    return rng_.pick(names);
}

std::string Generator::nonLiteral(ElementType t)
{
    std::vector<std::string> names;
    for (const Var& v : scope_.writable)
        if (v.type == t)
            names.push_back(v.name);
    for (const Var& v : scope_.readOnly)
        if (v.type == t)
            names.push_back(v.name);
    if (scope_.kernel && t == ElementType::U32) {
        names.push_back("gid");
        names.push_back("lid");
    }
    if (!names.empty())
        return rng_.pick(names);
    if (scope_.kernel)
        return convert(t, ElementType::U32, "gid");
    // A helper always has a parameter: convert one.
    const Var& p = rng_.pick(scope_.readOnly);
    return convert(t, p.type, p.name);
}

std::string Generator::convert(ElementType to, ElementType from, const std::string& e)
{
    const char* toName = typeName(to);
    if (to == from)
        return e;
    if (from == ElementType::F32) {
        switch (to) {
        case ElementType::U32: return fmt::format("{}({})", use("f2u32"), e);
        case ElementType::I32: return fmt::format("{}({})", use("f2i32"), e);
        case ElementType::U64: return fmt::format("{}({})", use("f2u64"), e);
        case ElementType::I64: return fmt::format("{}({})", use("f2i64"), e);
        case ElementType::F32: break;
        }
    }
    if (to == ElementType::F32)
        return fmt::format("((float)({}))", e); // correctly rounded in every case
    if (isSigned(to) && (is64(to) == is64(from) || is64(from))) {
        // Narrowing or same width into a signed type: through the unsigned
        // type (conversion to unsigned is modular), then reinterpreted.
        return fmt::format("as_{}(({})({}))", toName, unsignedName(to), e);
    }
    // Widening into a signed type, or anything into an unsigned one: defined.
    return fmt::format("(({})({}))", toName, e);
}

std::string Generator::bits(ElementType t, const std::string& e)
{
    switch (t) {
    case ElementType::U32: return fmt::format("((ulong)({}))", e);
    case ElementType::I32: return fmt::format("((ulong)as_uint({}))", e);
    case ElementType::U64: return e;
    case ElementType::I64: return fmt::format("as_ulong({})", e);
    case ElementType::F32: return fmt::format("{}({})", use("canon_f32"), e);
    }
    return e;
}

std::string Generator::cond(unsigned depth)
{
    unsigned kind = rng_.below(depth == 0 ? 2 : 5);
    if (kind == 0 && scope_.kernel) {
        // Divergence on the work-item.
        const char* id = rng_.chance(60) ? "gid" : "lid";
        switch (rng_.below(3)) {
        case 0: return fmt::format("(({} & {}u) == {}u)", id, (1u << rng_.range(0, 3)), 0);
        case 1: return fmt::format("({} < {}u)", id, rng_.range(1, 40));
        default: return fmt::format("((({} * {}u) & 7u) > {}u)", id, rng_.range(1, 9), rng_.range(0, 6));
        }
    }
    if (kind == 3)
        return fmt::format("({} {} {})", cond(depth - 1), rng_.chance(50) ? "&&" : "||", cond(depth - 1));
    if (kind == 4)
        return fmt::format("(!{})", cond(depth - 1));
    ElementType t = options_.floats ? kTypes[rng_.below(5)] : kTypes[rng_.below(4)];
    static const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
    // The left side is never a literal, and the sides differ: no
    // comparison clang could call tautological.
    std::string left = nonLiteral(t);
    std::string right = depth > 0 ? expr(t, 1) : literal(t);
    if (left == right)
        right = literal(t);
    return fmt::format("({} {} {})", left, ops[rng_.below(6)], right);
}

std::string Generator::expr(ElementType t, unsigned depth)
{
    if (depth == 0 || rng_.chance(25))
        return leaf(t);
    const unsigned d = depth - 1;
    const bool wide = is64(t);
    const char* name = typeName(t);
    const char* uname = unsignedName(t);
    const unsigned bitsMask = wide ? 63 : 31;
    // Conversions from another type, ternaries and helpers for every type.
    unsigned pick = rng_.below(100);
    if (pick < 10) {
        ElementType from = options_.floats ? kTypes[rng_.below(5)] : kTypes[rng_.below(4)];
        return convert(t, from, expr(from, d));
    }
    if (pick < 16)
        return fmt::format("({} ? {} : {})", cond(1), expr(t, d), expr(t, d));
    if (pick < 22 && scope_.kernel) {
        std::vector<std::size_t> usable;
        for (std::size_t i = 0; i < helpers_.size(); ++i)
            if (helpers_[i].result == t)
                usable.push_back(i);
        if (!usable.empty()) {
            Helper& h = helpers_[rng_.pick(usable)];
            ++h.calls;
            std::vector<std::string> args;
            for (ElementType p : h.params)
                args.push_back(expr(p, d));
            return fmt::format("{}({})", h.name, fmt::join(args, ", "));
        }
    }

    if (t == ElementType::F32) {
        switch (rng_.below(8)) {
        case 0: return fmt::format("({} + {})", expr(t, d), expr(t, d));
        case 1: return fmt::format("({} - {})", expr(t, d), expr(t, d));
        case 2: return fmt::format("({} * {})", expr(t, d), expr(t, d));
        case 3: return fmt::format("({} / {})", expr(t, d), expr(t, d));
        case 4: return fmt::format("sqrt({})", expr(t, d));
        case 5: return fmt::format("fma({}, {}, {})", expr(t, d), expr(t, d), expr(t, d));
        case 6: return fmt::format("(-{})", expr(t, d));
        default: return fmt::format("((float)({}))", expr(ElementType::I32, d));
        }
    }

    std::string a = expr(t, d);
    std::string b = expr(t, d);
    switch (rng_.below(16)) {
    case 0:
    case 1:
    case 2: {
        static const char* arith[] = {"+", "-", "*"};
        const char* op = arith[rng_.below(3)];
        if (isUnsigned(t))
            return fmt::format("({} {} {})", a, op, b);
        // Signed: wraps in the unsigned type, never overflows.
        return fmt::format("as_{}(({})({}) {} ({})({}))", name, uname, a, op, uname, b);
    }
    case 3:
    case 4: {
        static const char* bitwise[] = {"&", "|", "^"};
        return fmt::format("({} {} {})", a, bitwise[rng_.below(3)], b);
    }
    case 5: {
        std::string count = fmt::format("(({})({}) & {}u)", "uint", expr(ElementType::U32, d), bitsMask);
        if (isUnsigned(t))
            return fmt::format("({} << {})", a, count);
        return fmt::format("as_{}(({})({}) << {})", name, uname, a, count);
    }
    case 6: {
        std::string count = fmt::format("(({})({}) & {}u)", "uint", expr(ElementType::U32, d), bitsMask);
        // Arithmetic for signed types: implementation-defined in C99 for a
        // negative value, and clang (every OpenCL stack here) defines it.
        return fmt::format("({} >> {})", a, count);
    }
    case 7: {
        const char* fn = nullptr;
        switch (t) {
        case ElementType::U32: fn = "safe_div_u32"; break;
        case ElementType::I32: fn = "safe_div_i32"; break;
        case ElementType::U64: fn = "safe_div_u64"; break;
        default: fn = "safe_div_i64"; break;
        }
        return fmt::format("{}({}, {})", use(fn), a, b);
    }
    case 8: {
        const char* fn = nullptr;
        switch (t) {
        case ElementType::U32: fn = "safe_rem_u32"; break;
        case ElementType::I32: fn = "safe_rem_i32"; break;
        case ElementType::U64: fn = "safe_rem_u64"; break;
        default: fn = "safe_rem_i64"; break;
        }
        return fmt::format("{}({}, {})", use(fn), a, b);
    }
    case 9: return fmt::format("{}({}, {})", rng_.chance(50) ? "min" : "max", a, b);
    case 10: {
        // clamp needs lo <= hi: two literals in order.
        std::string lo = literal(t);
        std::string hi = literal(t);
        return fmt::format("clamp({}, min({}, {}), max({}, {}))", a, lo, hi, lo, hi);
    }
    case 11: return fmt::format("mul_hi({}, {})", a, b);
    case 12:
        if (isUnsigned(t))
            return fmt::format("(~{})", a);
        return fmt::format("as_{}(({})0 - ({})({}))", name, uname, uname, a); // negation, wrapping
    case 13:
        // popcount and clz give the operand's type.
        return fmt::format("{}({})", rng_.chance(50) ? "popcount" : "clz", a);
    case 14:
        // abs of a signed value is unsigned. abs(INT_MIN) is defined in
        // OpenCL C (2^31 as uint), but PoCL's LLVM folds it to 0 (llvm.abs
        // with "poison on INT_MIN"): keep the oracle out of that corner
        // with | 1, which never gives the minimum (seed 45 found it).
        if (isUnsigned(t)) {
            ElementType s = wide ? ElementType::I64 : ElementType::I32;
            return fmt::format("abs(({}) | 1)", expr(s, d));
        }
        return fmt::format("as_{}(abs(({}) | 1))", name, a);
    default:
        // A comparison's 0 or 1.
        return convert(t, ElementType::U32, fmt::format("((uint){})", cond(1)));
    }
}

void Generator::assign()
{
    const Var& v = rng_.pick(scope_.writable);
    std::string e = expr(v.type, options_.maxExpressionDepth);
    if (e == v.name)
        e = literal(v.type); // x = x is a warning
    if (!rng_.chance(40)) {
        line(fmt::format("{} = {};", v.name, e));
        return;
    }
    // Update from the old value.
    if (v.type == ElementType::F32) {
        static const char* ops[] = {"+", "-", "*"};
        line(fmt::format("{} = ({} {} {});", v.name, v.name, ops[rng_.below(3)], e));
    } else if (isUnsigned(v.type)) {
        static const char* ops[] = {"+=", "-=", "*=", "^=", "|=", "&="};
        line(fmt::format("{} {} {};", v.name, ops[rng_.below(6)], e));
    } else {
        static const char* ops[] = {"+", "-", "*", "^"};
        const char* u = unsignedName(v.type);
        line(fmt::format("{} = as_{}(({})({}) {} ({})({}));", v.name, typeName(v.type), u, v.name,
                         ops[rng_.below(4)], u, e));
    }
}

void Generator::store()
{
    ElementType t = options_.floats ? kTypes[rng_.below(5)] : kTypes[rng_.below(4)];
    std::uint32_t slot = nextSlot_ < slots_ ? nextSlot_++ : rng_.below(slots_);
    line(fmt::format("out[gid * {}u + {}u] = {};", slots_, slot, bits(t, expr(t, options_.maxExpressionDepth))));
}

void Generator::atomic()
{
    if (counterOps_.empty())
        return assign();
    std::uint32_t c = rng_.below(static_cast<std::uint32_t>(counterOps_.size()));
    // The returned old value depends on the order: never used.
    line(fmt::format("{}(&counters[{}], {});", counterOps_[c], c, expr(ElementType::U32, 2)));
}

void Generator::ifElse(unsigned depth)
{
    line(fmt::format("if {} {{", cond(2)));
    ++indent_;
    block(depth + 1, rng_.range(1, options_.maxBlockStatements));
    --indent_;
    if (rng_.chance(50)) {
        line("} else {");
        ++indent_;
        block(depth + 1, rng_.range(1, options_.maxBlockStatements));
        --indent_;
    }
    line("}");
}

void Generator::forLoop(unsigned depth)
{
    std::string i = fresh("i");
    // The bound may change in the body, but it is at most 7: the loop ends.
    std::string bound = rng_.chance(50) ? fmt::format("{}u", rng_.range(1, 6))
                                        : fmt::format("({} & 7u)", expr(ElementType::U32, 1));
    line(fmt::format("for (uint {} = 0u; {} < {}; {}++) {{", i, i, bound, i));
    ++indent_;
    Scope saved = scope_;
    scope_.readOnly.push_back({i, ElementType::U32});
    scope_.inLoop = true;
    block(depth + 1, rng_.range(1, options_.maxBlockStatements));
    scope_ = saved;
    --indent_;
    line("}");
}

void Generator::whileLoop(unsigned depth)
{
    std::string w = fresh("w");
    line(fmt::format("uint {} = ({} & 7u);", w, expr(ElementType::U32, 2)));
    line(fmt::format("while ({} != 0u) {{", w));
    ++indent_;
    // Counted down first, so that a continue cannot skip it.
    line(fmt::format("{}--;", w));
    Scope saved = scope_;
    scope_.readOnly.push_back({w, ElementType::U32});
    scope_.inLoop = true;
    block(depth + 1, rng_.range(1, options_.maxBlockStatements));
    scope_ = saved;
    --indent_;
    line("}");
}

void Generator::statement(unsigned depth)
{
    unsigned roll = rng_.below(100);
    bool nest = depth < options_.maxDepth;
    if (roll < 30)
        return assign();
    if (roll < 45)
        return store();
    if (roll < 53 && options_.atomics)
        return atomic();
    if (roll < 68 && nest)
        return ifElse(depth);
    if (roll < 76 && nest)
        return forLoop(depth);
    if (roll < 82 && nest)
        return whileLoop(depth);
    if (roll < 88 && scope_.inLoop && options_.loopExits) {
        line(fmt::format("if {} {}", cond(1), rng_.chance(50) ? "break;" : "continue;"));
        return;
    }
    if (roll < 92 && scope_.mayReturn) {
        line(fmt::format("if {} {{", cond(1)));
        ++indent_;
        if (rng_.chance(50))
            store();
        line("return;");
        --indent_;
        line("}");
        return;
    }
    assign();
}

void Generator::block(unsigned depth, unsigned statements)
{
    for (unsigned i = 0; i < statements; ++i)
        statement(depth);
}

void Generator::localAtomics()
{
    // One work-item sets the counter, the group meets, any work-items
    // update it with one commutative operation, the group meets, all read
    // the final value (the same whatever the order), the group meets again
    // before the counter is set anew.
    usesLocalCounter_ = true;
    static const std::vector<const char*> ops{"atomic_add", "atomic_min", "atomic_max",
                                              "atomic_xor", "atomic_or",  "atomic_and"};
    const char* atomicOp = rng_.pick(ops);
    line(fmt::format("if (lid == 0u) lcount[0] = {};", literal(ElementType::U32)));
    line("barrier(CLK_LOCAL_MEM_FENCE);");
    std::string update = fmt::format("{}(&lcount[0], {});", atomicOp, expr(ElementType::U32, 2));
    if (rng_.chance(60)) {
        line(fmt::format("if {} {{", cond(2)));
        ++indent_;
        line(update);
        --indent_;
        line("}");
    } else {
        line(update);
    }
    line("barrier(CLK_LOCAL_MEM_FENCE);");
    const Var& v = rng_.pick(scope_.writable);
    line(fmt::format("{} = {};", v.name, convert(v.type, ElementType::U32, "lcount[0]")));
    line("barrier(CLK_LOCAL_MEM_FENCE);");
}

void Generator::exchange()
{
    // Every work-item writes its own slot, the group meets, every work-item
    // reads any slot, the group meets again before the next writes.
    usesLocal_ = true;
    bool wide = rng_.chance(30);
    usesLocal64_ |= wide;
    ElementType t = wide ? ElementType::U64 : ElementType::U32;
    const char* array = wide ? "lwide" : "lx";
    bool loop = rng_.chance(30);
    std::string r;
    if (loop) {
        r = fresh("r");
        // A uniform trip count: every work-item reaches the barriers.
        line(fmt::format("for (uint {} = 0u; {} < {}u; {}++) {{", r, r, rng_.range(1, 3), r));
        ++indent_;
        scope_.readOnly.push_back({r, ElementType::U32});
    }
    line(fmt::format("{}[lid] = {};", array, expr(t, 2)));
    line("barrier(CLK_LOCAL_MEM_FENCE);");
    const Var& v = rng_.pick(scope_.writable);
    line(fmt::format("{} = {};", v.name,
                     convert(v.type, t, fmt::format("{}[{}]", array, index(localSize_)))));
    line("barrier(CLK_LOCAL_MEM_FENCE);");
    if (loop) {
        scope_.readOnly.pop_back();
        --indent_;
        line("}");
    }
}

void Generator::makeHelper(unsigned n)
{
    Helper h;
    h.name = fmt::format("helper{}", n);
    h.result = options_.floats ? kTypes[rng_.below(5)] : kTypes[rng_.below(4)];
    unsigned params = rng_.range(1, 3);
    Scope saved = scope_;
    scope_ = Scope{};
    std::vector<std::string> decls;
    for (unsigned i = 0; i < params; ++i) {
        ElementType p = options_.floats ? kTypes[rng_.below(5)] : kTypes[rng_.below(4)];
        h.params.push_back(p);
        std::string name = fmt::format("p{}", i);
        decls.push_back(fmt::format("{} {}", typeName(p), name));
        scope_.readOnly.push_back({name, p});
    }
    std::string body;
    std::string init = expr(h.result, 2); // before r exists: no read of it uninitialised
    scope_.writable.push_back({"r", h.result});
    std::string c = cond(1);
    std::string update = expr(h.result, 2);
    body += fmt::format("static {} {}({})\n{{\n", typeName(h.result), h.name, fmt::join(decls, ", "));
    body += fmt::format("    {} r = {};\n", typeName(h.result), init);
    body += fmt::format("    if {}\n        r = {};\n", c, update);
    body += "    return r;\n}\n";
    h.definition = body;
    scope_ = saved;
    helpers_.push_back(std::move(h));
}

std::string Generator::preludeText() const
{
    static const std::map<std::string, const char*> definitions{
        {"safe_div_u32", "static uint safe_div_u32(uint a, uint b) { return b == 0u ? a : a / b; }\n"},
        {"safe_rem_u32", "static uint safe_rem_u32(uint a, uint b) { return b == 0u ? a : a % b; }\n"},
        {"safe_div_u64", "static ulong safe_div_u64(ulong a, ulong b) { return b == 0UL ? a : a / b; }\n"},
        {"safe_rem_u64", "static ulong safe_rem_u64(ulong a, ulong b) { return b == 0UL ? a : a % b; }\n"},
        {"safe_div_i32",
         "static int safe_div_i32(int a, int b) { return (b == 0 || (a == INT_MIN && b == -1)) ? a : a / b; }\n"},
        {"safe_rem_i32",
         "static int safe_rem_i32(int a, int b) { return (b == 0 || (a == INT_MIN && b == -1)) ? a : a % b; }\n"},
        {"safe_div_i64",
         "static long safe_div_i64(long a, long b) { return (b == 0L || (a == LONG_MIN && b == -1L)) ? a : a / b; "
         "}\n"},
        {"safe_rem_i64",
         "static long safe_rem_i64(long a, long b) { return (b == 0L || (a == LONG_MIN && b == -1L)) ? a : a % b; "
         "}\n"},
        {"f2u32", "static uint f2u32(float f) { return (f > -1.0f && f < 4294967296.0f) ? (uint)f : 0u; }\n"},
        {"f2i32",
         "static int f2i32(float f) { return (f >= -2147483648.0f && f < 2147483648.0f) ? (int)f : 0; }\n"},
        {"f2u64",
         "static ulong f2u64(float f) { return (f > -1.0f && f < 18446744073709551616.0f) ? (ulong)f : 0UL; }\n"},
        {"f2i64", "static long f2i64(float f) { return (f >= -9223372036854775808.0f && f < 9223372036854775808.0f) "
                  "? (long)f : 0L; }\n"},
        {"canon_f32",
         "static ulong canon_f32(float f) { return isnan(f) ? 0x7fc00000UL : (ulong)as_uint(f); }\n"},
    };
    std::string text;
    for (const std::string& name : prelude_)
        text += definitions.at(name);
    return text;
}

Program Generator::run()
{
    // The shape of the work.
    localSize_ = 16u << rng_.below(3); // 16, 32, 64
    std::uint32_t groups = rng_.range(1, 4);
    program_.localSize = {localSize_, 1, 1};
    program_.globalSize = {localSize_ * groups, 1, 1};
    const std::uint32_t workItems = localSize_ * groups;

    // Inputs: 1 to 3 buffers of random types and power-of-two sizes.
    unsigned inputCount = rng_.range(1, 3);
    for (unsigned i = 0; i < inputCount; ++i) {
        Buffer b;
        b.name = fmt::format("in{}", i);
        b.role = Buffer::Role::Input;
        b.type = options_.floats ? kTypes[rng_.below(5)] : kTypes[rng_.below(4)];
        b.count = std::size_t{16} << rng_.below(5);
        b.seed = rng_.next() | 1;
        inputs_.push_back(program_.buffers.size());
        program_.buffers.push_back(b);
    }
    if (options_.atomics) {
        static const std::vector<const char*> ops{"atomic_add", "atomic_min", "atomic_max",
                                                  "atomic_xor", "atomic_or",  "atomic_and"};
        unsigned counters = rng_.range(1, 4);
        for (unsigned i = 0; i < counters; ++i)
            counterOps_.push_back(rng_.pick(ops));
    }

    if (options_.helpers) {
        unsigned count = rng_.below(3);
        for (unsigned i = 0; i < count; ++i)
            makeHelper(i);
    }

    // The variables, all initialised.
    scope_.kernel = true;
    unsigned varCount = rng_.range(2, 6);
    std::vector<std::string> declarations;
    for (unsigned i = 0; i < varCount; ++i) {
        ElementType t = options_.floats ? kTypes[rng_.below(5)] : kTypes[rng_.below(4)];
        Var v{fmt::format("v{}", i), t};
        declarations.push_back(fmt::format("{} {} = {};", typeName(t), v.name, expr(t, 2)));
        scope_.writable.push_back(v);
    }
    slots_ = varCount + rng_.range(2, 8);
    nextSlot_ = varCount; // the first slots get the variables' final values

    // The segments: exchanges (barriers) only before the last one that may
    // return.
    unsigned segments = rng_.range(1, options_.maxSegments);
    unsigned firstReturning = options_.earlyReturn ? rng_.range(0, segments) : segments;
    for (unsigned s = 0; s < segments; ++s) {
        if (s < firstReturning && options_.localMemory && rng_.chance(40)) {
            if (options_.atomics && rng_.chance(30))
                localAtomics();
            else
                exchange();
            continue;
        }
        scope_.mayReturn = s >= firstReturning;
        block(0, rng_.range(1, options_.maxBlockStatements));
    }
    for (unsigned i = 0; i < varCount; ++i) {
        const Var& v = scope_.writable[i];
        line(fmt::format("out[gid * {}u + {}u] = {};", slots_, i, bits(v.type, v.name)));
    }

    // Only the helpers that are called: an unused static function is a warning.
    std::string source = "// vsvm-fuzz-cc program, seed " + std::to_string(program_.seed) + "\n";
    source += "#pragma OPENCL FP_CONTRACT OFF\n\n";
    source += preludeText();
    for (const Helper& h : helpers_) {
        if (h.calls)
            source += "\n" + h.definition;
    }
    source += "\nkernel void fuzz(";
    std::vector<std::string> params;
    for (const Buffer& b : program_.buffers)
        params.push_back(fmt::format("global const {}* restrict {}", typeName(b.type), b.name));
    params.push_back("global ulong* restrict out");
    if (!counterOps_.empty())
        params.push_back("global uint* restrict counters");
    source += fmt::format("{})\n{{\n", fmt::join(params, ", "));
    source += "    const uint gid = (uint)get_global_id(0);\n";
    source += "    const uint lid = (uint)get_local_id(0);\n";
    source += "    const uint grp = (uint)get_group_id(0);\n";
    if (usesLocal_) {
        source += fmt::format("    local uint lx[{}];\n", localSize_);
        if (usesLocal64_)
            source += fmt::format("    local ulong lwide[{}];\n", localSize_);
    }
    if (usesLocalCounter_)
        source += "    local uint lcount[1];\n";
    for (const std::string& d : declarations)
        source += "    " + d + "\n";
    source += body_;
    source += "}\n";
    // grp may be unused; a const local that is unused is no warning.

    Buffer out;
    out.name = "out";
    out.role = Buffer::Role::Output;
    out.type = ElementType::U64;
    out.count = std::size_t{workItems} * slots_;
    program_.buffers.push_back(out);
    if (!counterOps_.empty()) {
        Buffer counters;
        counters.name = "counters";
        counters.role = Buffer::Role::Counters;
        counters.type = ElementType::U32;
        counters.count = counterOps_.size();
        counters.seed = rng_.next() | 1;
        program_.buffers.push_back(counters);
    }
    program_.source = std::move(source);
    return program_;
}

const char* roleName(Buffer::Role role)
{
    switch (role) {
    case Buffer::Role::Input: return "input";
    case Buffer::Role::Output: return "output";
    case Buffer::Role::Counters: return "counters";
    }
    return "?";
}

} // namespace

const char* typeName(ElementType type)
{
    switch (type) {
    case ElementType::U32: return "uint";
    case ElementType::I32: return "int";
    case ElementType::U64: return "ulong";
    case ElementType::I64: return "long";
    case ElementType::F32: return "float";
    }
    return "?";
}

std::size_t typeSize(ElementType type) { return is64(type) ? 8 : 4; }

Program generate(std::uint64_t seed, const Options& options)
{
    return Generator(seed, options).run();
}

std::string Program::descriptor() const
{
    std::vector<std::string> buffersText;
    for (const Buffer& b : buffers) {
        buffersText.push_back(fmt::format(
            R"(    {{"name": "{}", "role": "{}", "type": "{}", "count": {}, "seed": {}}})", b.name, roleName(b.role),
            typeName(b.type), b.count, b.seed));
    }
    return fmt::format("{{\n  \"seed\": {},\n  \"entry\": \"{}\",\n  \"build_options\": \"{}\",\n"
                       "  \"global_size\": [{}],\n  \"local_size\": [{}],\n  \"buffers\": [\n{}\n  ]\n}}\n",
                       seed, entry, buildOptions, fmt::join(globalSize, ", "), fmt::join(localSize, ", "),
                       fmt::join(buffersText, ",\n"));
}

std::vector<std::uint8_t> fillBuffer(const Buffer& buffer)
{
    std::vector<std::uint8_t> bytes(buffer.bytes(), 0);
    if (buffer.role == Buffer::Role::Output)
        return bytes;
    Rng rng(buffer.seed);
    for (std::size_t i = 0; i < buffer.count; ++i) {
        std::uint64_t value = rng.next();
        switch (rng.below(4)) {
        case 0: value = rng.below(16); break;                             // small
        case 1: value = ~static_cast<std::uint64_t>(rng.below(16)); break; // small negative
        default: break;                                                    // anything
        }
        if (buffer.type == ElementType::F32) {
            float f = 0.0f;
            switch (rng.below(8)) {
            case 0: f = static_cast<float>(static_cast<std::int32_t>(rng.below(200)) - 100); break;
            case 1: f = rng.chance(50) ? 0.0f : -0.0f; break;
            case 2: f = std::ldexp(static_cast<float>(rng.below(1u << 23)), -149 + static_cast<int>(rng.below(23))); break;
            default: {
                // An ordinary finite value: exponent within +-40.
                std::uint32_t sign = static_cast<std::uint32_t>(rng.below(2)) << 31;
                std::uint32_t exponent = 127 - 40 + rng.below(81);
                std::uint32_t mantissa = static_cast<std::uint32_t>(rng.next()) & 0x7fffff;
                std::uint32_t raw = sign | exponent << 23 | mantissa;
                std::memcpy(&f, &raw, 4);
            }
            }
            std::memcpy(&bytes[i * 4], &f, 4);
        } else {
            std::size_t size = typeSize(buffer.type);
            for (std::size_t b = 0; b < size; ++b)
                bytes[i * size + b] = static_cast<std::uint8_t>(value >> (8 * b));
        }
    }
    return bytes;
}

} // namespace vsvm::clgen
