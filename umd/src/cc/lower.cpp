// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// SPIR-V function -> vsvm assembler text.
//
// 1. Structure: merges come from OpSelectionMerge/OpLoopMerge, or, for the
//    unstructured CFGs llvm-spirv writes, from dominators (loops: natural
//    loops with one latch; a loop with several exits parks each exit's
//    lanes apart and runs each exit's code after the loop; selections: the
//    immediate post-dominator). SPIRV-Tools' inliner skips non-shader
//    modules, so calls are inlined during emission.
//    A function without merge instructions whose CFG that recovery cannot
//    structure (lower() catches the structure errors) is lowered again by
//    linearisation (emitLinear()): its blocks in one order that keeps loops
//    together, each run under the lanes whose next-block register (vnext)
//    holds its position, back edges sending the sweep back while a lane
//    waits there. One compare and branch per block; reducible CFGs only.
// 2. Uniformity: a value is uniform (a scalar register) when every operand
//    is and the operation exists on the scalar ALU; phis are varying when
//    their block joins divergent paths, and always in a linearised
//    function (lanes reach a block at different sweeps).
// 3. Emission walks the structured regions and writes machine instructions
//    over virtual registers. Divergence is the exec-mask scheme of
//    docs/isa.rst: a divergent if saves exec, narrows it, runs each side
//    and restores it minus the lanes that left (break, continue, return are
//    "parked" in masks: sBrk, sCnt of the innermost loop, sRet); a loop
//    runs until exec is empty. Uniform ifs use s_cbranch_z.
// 4. Registers: live intervals over the linear code, extended over whole
//    loops when they cross one (masked writes keep the other lanes' values,
//    so a vector register must not be shared while any lane still needs it),
//    then a linear scan. In a linearised loop, a value live from one block
//    into another holds its register over the whole loop: a lane may wait
//    at a later block while the sweep runs the others again.

#include "cc/lower.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <spirv/unified1/GLSL.std.450.h>
#include <spirv/unified1/OpenCL.std.h>
#include <vsvm_isa.h>

#include "vsvm/isa.h"

namespace vsvm::cc::detail {
namespace {

using spv::Op;

// Registers the kernel starts with (docs/isa.rst, "Initial state"), never allocated.
constexpr unsigned kFirstFreeSreg = 25;
constexpr unsigned kFirstFreeVreg = 7;

struct OpcodeName {
    unsigned opcode;
    const char* name;
};

constexpr OpcodeName kOpcodeNames[] = {
#include "opcode_names.inc"
};

constexpr OpcodeName kOpenclStdNames[] = {
#include "opencl_std_100_names.inc"
};

constexpr OpcodeName kGlslStdNames[] = {
#include "glsl_std_450_names.inc"
};

template <std::size_t N>
std::string extName(const OpcodeName (&table)[N], unsigned number)
{
    for (const OpcodeName& n : table)
        if (n.opcode == number)
            return n.name;
    return fmt::format("instruction {}", number);
}

std::string opName(Op op)
{
    for (const OpcodeName& n : kOpcodeNames)
        if (n.opcode == static_cast<unsigned>(op))
            return n.name;
    return fmt::format("opcode {}", static_cast<unsigned>(op));
}

std::string storageName(spv::StorageClass sc)
{
    switch (sc) {
    case spv::StorageClass::UniformConstant: return "UniformConstant";
    case spv::StorageClass::Uniform: return "Uniform";
    case spv::StorageClass::StorageBuffer: return "StorageBuffer";
    case spv::StorageClass::Image: return "Image";
    case spv::StorageClass::Output: return "Output";
    case spv::StorageClass::Input: return "Input";
    case spv::StorageClass::Private: return "Private";
    case spv::StorageClass::Function: return "Function";
    case spv::StorageClass::Generic: return "Generic";
    case spv::StorageClass::CrossWorkgroup: return "CrossWorkgroup";
    case spv::StorageClass::Workgroup: return "Workgroup";
    case spv::StorageClass::PushConstant: return "PushConstant";
    default: return fmt::format("{}", static_cast<unsigned>(sc));
    }
}

std::string builtinName(spv::BuiltIn b)
{
    switch (b) {
    case spv::BuiltIn::GlobalLinearId: return "GlobalLinearId";
    case spv::BuiltIn::SubgroupSize: return "SubgroupSize";
    case spv::BuiltIn::SubgroupId: return "SubgroupId";
    case spv::BuiltIn::NumSubgroups: return "NumSubgroups";
    case spv::BuiltIn::SubgroupLocalInvocationId: return "SubgroupLocalInvocationId";
    default: return fmt::format("{}", static_cast<unsigned>(b));
    }
}

std::string capabilityName(spv::Capability c)
{
    return fmt::format("{}", static_cast<unsigned>(c));
}

struct CompileError {
    std::string message;
    Location where;
    bool structure = false; ///< a CFG the structured lowering cannot handle: linearise `function`
    Id function = 0;
};

struct Opnd {
    enum Kind : std::uint8_t { None, Reg, Imm, Phys, Label } kind = None;
    std::uint32_t reg = 0;  ///< Reg: virtual register
    std::uint64_t imm = 0;  ///< Imm: value bits
    std::string text;       ///< Phys: "s16", "exec"; Label: name

    static Opnd r(std::uint32_t reg) { return {Reg, reg, 0, {}}; }
    static Opnd i(std::uint64_t imm) { return {Imm, 0, imm, {}}; }
    static Opnd p(std::string name) { return {Phys, 0, 0, std::move(name)}; }
    static Opnd l(std::string name) { return {Label, 0, 0, std::move(name)}; }
    bool isImm() const { return kind == Imm; }
};

struct MInst {
    std::string op; ///< mnemonic; empty: a label (ops[0])
    std::vector<Opnd> ops;
    bool stackSize = false; ///< ops[2] is the per-lane stack size, set when it is known
};

enum class ValKind : std::uint8_t { Regs, FuncVar, Builtin, PushConst };

struct Val {
    ValKind kind = ValKind::Regs;
    std::vector<Opnd> comps; ///< Regs: scalar leaves in order
    Id var = 0;              ///< FuncVar: the variable; Builtin: the builtin enum
    std::uint32_t leaf = 0;  ///< FuncVar, Builtin: first leaf; PushConst: member
};

struct LoopSpan {
    std::string top, exit; ///< labels: the loop's code lies between them
    bool linear = false;   ///< a loop of a linearised function (see allocate())
};

struct LoopCtx {
    Id header = 0, merge = 0, cont = 0;
    Opnd brk, cnt;
    std::vector<Id> exits;        ///< several exits: each target (merge is where they meet)
    std::vector<Opnd> exitMasks;  ///< the lanes that left through each
};

struct Dominance;

class Lowering {
public:
    Lowering(const Module& module, const Module::EntryPoint& entry, std::unordered_set<Id> linearFns,
             bool launchBlock)
        : m_(module), entry_(entry), launchBlock_(launchBlock), linearFns_(std::move(linearFns))
    {
    }
    void run(Lowered& out, bool emitIr);

private:
    [[noreturn]] void fail(std::string message, const Location& where = {}) { throw CompileError{std::move(message), where}; }
    int regionDepth_ = 0; ///< emitRegion() nesting, see there
    [[noreturn]] void failAt(const Inst& inst, std::string message) { fail(std::move(message), inst.where); }
    /// A CFG the structured lowering cannot handle in function @p fn: lower() tries again with
    /// @p fn linearised.
    [[noreturn]] void failStructure(Id fn, std::string message, const Location& where = {})
    {
        throw CompileError{std::move(message), where, true, fn};
    }
    Id currentFunction() const { return callStack_.empty() ? f_->id : callStack_.back(); }

    // ---- types
    const Type& type(Id id) const;
    std::uint64_t constU64(Id id) const;
    std::uint64_t arrayLength(const Type& t) const { return constU64(static_cast<Id>(t.count)); }
    std::uint32_t leafCount(Id t) const;
    std::uint64_t sizeOf(Id t) const;
    std::uint64_t alignOf(Id t) const;
    std::uint64_t memberOffset(Id structType, std::uint32_t member) const;
    std::uint64_t arrayStride(Id arrayType) const;
    void leaves(Id t, std::uint64_t offset, std::vector<std::pair<Id, std::uint64_t>>& out) const;
    unsigned scalarWidth(Id t) const; ///< bits of a scalar (bool 32, pointer 64)
    bool isFloat(Id t) const { return type(t).kind == TypeKind::Float; }
    Id scalarOf(Id t) const { return type(t).kind == TypeKind::Vector ? type(t).element : t; }
    std::uint32_t leafIndex(Id t, std::span<const std::uint32_t> literalIndices, Id* leafType) const;

    // ---- analysis
    std::string blockName(Id b) const
    {
        auto it = m_.names.find(b);
        return it == m_.names.end() ? fmt::format("%{}", b) : fmt::format("'{}' (%{})", it->second, b);
    }
    void buildCfg(const Function& fn);
    void deriveStructure(const Function& fn);
    void inlineCall(const Inst& inst);
    void analyseUniformity(const Function& fn);
    bool scalarCapable(const Inst& inst) const;

    // ---- emission helpers
    std::uint32_t newReg(bool vector, bool multiDef = false);
    Opnd newS() { return Opnd::r(newReg(false)); }
    Opnd newV() { return Opnd::r(newReg(true)); }
    bool isVector(const Opnd& o) const;
    void emit(std::string op, std::vector<Opnd> ops) { code_.push_back({std::move(op), std::move(ops)}); }
    void label(const std::string& name) { code_.push_back({"", {Opnd::l(name)}}); }
    std::string newLabel(const char* what) { return fmt::format(".L{}_{}", what, labels_++); }
    Opnd toScalar(const Opnd& o);            ///< an imm into a scalar register
    Opnd lit(const Opnd& o, unsigned width); ///< a literal when it fits, else a register
    Opnd notLit(const Opnd& o) { return o.isImm() ? toScalar(o) : o; }
    void copyTo(const Opnd& dst, const Opnd& src);
    Opnd truncS(Opnd v, unsigned width);
    Opnd sextS(Opnd v, unsigned width);
    Opnd truncV(Opnd v, unsigned width);
    Opnd sextV32(Opnd v, unsigned width);

    Opnd intBin(Op op, unsigned width, Opnd a, Opnd b, bool uniform, const Inst& inst);
    Opnd intCmp(Op op, unsigned width, Opnd a, Opnd b, bool uniform);
    Opnd floatCmp(Op op, Opnd a, Opnd b);
    Opnd maskToBool(const Opnd& mask);
    Opnd boolToMask(const Opnd& b);
    Opnd select(const Opnd& c, const Opnd& t, const Opnd& f, bool uniform);
    Opnd convert(const Inst& inst, Id fromType, Id toType, const Opnd& a, bool uniform);
    /// @p width: of the source (a 64-bit constant that is no sign-extended literal goes to a register).
    Opnd vop1(const char* op, const Opnd& a, unsigned width = 32);
    Opnd halfToFloat(const Opnd& h);
    Opnd floatToHalf(const Opnd& f);
    Opnd cmpMask(const char* op, const Opnd& a, std::uint32_t b);
    Opnd pick(const Opnd& mask, const Opnd& t, const Opnd& f);
    Opnd vop2(const char* op, const Opnd& a, const Opnd& b, unsigned width = 32);

    // ---- values
    const Val& val(Id id);
    Opnd one(Id id);
    bool varying(Id id) const { return varying_.count(id) != 0; }
    void setRegs(Id id, std::vector<Opnd> comps) { vals_[id] = Val{ValKind::Regs, std::move(comps), 0, 0}; }
    Val constVal(Id id);
    Val globalVal(Id id);
    Opnd builtinComp(spv::BuiltIn b, std::uint32_t comp, const Inst& inst);
    /// A parameter's components from its 64-bit words (registers or the launch block).
    std::vector<Opnd> paramComps(Id t, const std::function<Opnd(std::uint32_t)>& word);
    /// The 64 bits at @p offset in the launch block.
    Opnd launchWord(std::uint64_t offset);

    // ---- instructions
    void lowerInst(const Inst& inst);
    void lowerExtInst(const Inst& inst);
    bool lowerOpenclBuiltin(const Inst& inst, std::uint32_t number);
    void lowerAccessChain(const Inst& inst);
    void lowerLoad(const Inst& inst);
    void lowerStore(const Inst& inst);
    void lowerAtomic(const Inst& inst);
    void lowerPrintf(const Inst& inst);
    std::string printfFormat(const Inst& inst, Id pointer);
    PrintfArg printfArg(const Inst& inst, Id arg, std::vector<Opnd>& words);
    bool doublesOnlyForPrintf() const;
    Id valueType(Id id) const;
    void lowerCopyMemory(const Inst& inst);
    void memAccess(bool store, spv::StorageClass sc, const Opnd& addr, Id t, std::vector<Opnd>* values, Opnd* dst0);

    // ---- control flow
    const Block& block(Id id) const { return *blocks_.at(id); }
    void emitRegion(Id b, Id stop);
    Id step(Id b, Id stop);
    Id edgeTo(Id from, Id to, Id stop);
    void edgeCopies(Id from, Id to);
    void emitSelection(Id b, Id cond, Id t, Id f, Id merge);
    void emitSwitch(Id b, const Inst& term, Id merge);
    std::vector<std::pair<std::uint64_t, Id>> switchCases(const Inst& term) const;
    void emitArm(Id from, Id target, Id merge);
    void emitLoop(Id header);
    void emitLinear(const Function& fn);
    /// Reverse post-order and dominators of the blocks reachable from @p entry.
    Dominance dominance(Id entry);
    void copyReturnValue(const Inst& term);
    void park(const Opnd& mask);
    Opnd parkedMask();

    // ---- registers
    std::string allocate(std::uint32_t* sregs, std::uint32_t* vregs, std::optional<std::uint32_t>* victim);
    void spill(std::uint32_t reg);
    void ensureStack(Lowered& out);
    std::string opText(const Opnd& o, const std::vector<std::string>& names) const;

    const Module& m_;
    const Module::EntryPoint& entry_;
    const Function* f_ = nullptr;
    bool kernel_ = false;
    bool launchBlock_ = false; ///< Options::launchBlock
    bool launch_ = false;      ///< this kernel takes a launch block (cc.h)
    Opnd launchArg_;           ///< its address: the argument register
    struct BlockParam {
        Id type = 0;
        std::uint32_t word = 0; ///< in the block's arguments
    };
    /// Parameters in the launch block, read where they are used (val()).
    std::unordered_map<Id, BlockParam> blockParams_;

    std::unordered_map<Id, const Block*> blocks_;
    std::unordered_map<Id, std::vector<Id>> preds_, succs_;
    std::unordered_map<Id, Id> selMerge_;              ///< block -> merge
    std::unordered_map<Id, std::pair<Id, Id>> loopMerge_; ///< header -> merge, continue
    std::unordered_map<Id, std::vector<Id>> loopExits_;    ///< derived loops with several exits
    std::unordered_map<Id, std::unordered_set<Id>> loopBodies_; ///< derived loops' blocks
    std::unordered_set<Id> joinVarying_;
    std::unordered_set<Id> varying_;
    std::unordered_map<Id, const Inst*> defs_;

    std::unordered_map<Id, Val> vals_;
    std::unordered_map<Id, std::vector<Opnd>> funcVars_; ///< variable -> leaf registers
    std::unordered_map<Id, std::vector<Opnd>> phiRegs_;
    std::unordered_map<Id, std::uint64_t> ldsOffset_;
    std::uint64_t ldsBytes_ = 0;
    std::vector<std::uint32_t> pushConstRegs_; ///< member -> argument slot
    // Private memory: Function variables indexed with non-constant indices
    // live in the lane's stack (cc.h, "Hidden argument").
    std::unordered_map<Id, std::uint64_t> privateOffset_;
    std::uint64_t privateAlign_ = 8; ///< of the lanes' stacks
    bool byVal(Id param) const
    {
        auto d = m_.decorations.find(param);
        return d != m_.decorations.end() && d->second.byVal;
    }
    void copyBytes(const Opnd& to, bool ldsTo, const Opnd& from, bool ldsFrom, std::uint64_t size,
                   std::uint64_t align);
    /// Program-scope __constant variables: offsets in constData_.
    std::unordered_map<Id, std::uint64_t> constOffset_;
    std::vector<std::uint8_t> constData_;
    std::vector<PrintfFormat> printfFormats_;
    Opnd constAddress(Id id);
    std::uint64_t privateBytes_ = 0;
    Opnd stackBase_; ///< per lane: the lane's stack
    void layoutPrivateMemory();
    void bindVariable(const Inst& var);

    std::vector<MInst> code_;
    std::vector<bool> regVector_, regMultiDef_;
    std::vector<LoopSpan> loopSpans_;
    std::vector<std::string> linearBlockLabels_; ///< where each linearised block starts
    std::unordered_set<Id> linearFns_;           ///< functions lowered by linearisation
    unsigned userSlots_ = 0; ///< argument slots of the user's parameters
    std::unordered_set<std::uint32_t> noSpill_;
    std::vector<LoopCtx> loops_;
    std::vector<std::string> skip_;
    Opnd sRet_; ///< lanes that returned from the current function
    std::vector<Id> callStack_;
    std::vector<std::vector<Opnd>> retRegs_;
    std::unordered_set<Id> prepared_;
    std::string epilogue_;
    unsigned labels_ = 0;
};

// ================================================================ types

const Type& Lowering::type(Id id) const
{
    auto it = m_.types.find(id);
    if (it == m_.types.end())
        throw CompileError{fmt::format("unknown type %{}", id), {}};
    return it->second;
}

std::uint64_t Lowering::constU64(Id id) const
{
    auto it = m_.constants.find(id);
    if (it == m_.constants.end())
        throw CompileError{fmt::format("%{} is not a constant", id), {}};
    const Inst& c = it->second;
    switch (c.op) {
    case Op::OpConstant:
    case Op::OpSpecConstant:
        return c.operands.size() > 1 ? (std::uint64_t{c.operands[1]} << 32 | c.operands[0]) : c.operands.at(0);
    case Op::OpConstantTrue:
    case Op::OpSpecConstantTrue:
        return 1;
    default:
        return 0;
    }
}

unsigned Lowering::scalarWidth(Id t) const
{
    const Type& ty = type(t);
    switch (ty.kind) {
    case TypeKind::Bool:
        return 32;
    case TypeKind::Int:
    case TypeKind::Float:
        return ty.width;
    case TypeKind::Pointer:
        return 64;
    default:
        throw CompileError{fmt::format("not a scalar type: {}", opName(ty.op)), {}};
    }
}

std::uint32_t Lowering::leafCount(Id t) const
{
    const Type& ty = type(t);
    switch (ty.kind) {
    case TypeKind::Vector:
        return static_cast<std::uint32_t>(ty.count);
    case TypeKind::Array:
        return static_cast<std::uint32_t>(arrayLength(ty)) * leafCount(ty.element);
    case TypeKind::Struct: {
        std::uint32_t n = 0;
        for (Id member : ty.members)
            n += leafCount(member);
        return n;
    }
    default:
        return 1;
    }
}

std::uint64_t Lowering::alignOf(Id t) const
{
    const Type& ty = type(t);
    switch (ty.kind) {
    case TypeKind::Vector: {
        // OpenCL: vectors of 3 are aligned as 4.
        std::uint64_t n = ty.count == 3 ? 4 : ty.count;
        return n * alignOf(ty.element);
    }
    case TypeKind::Array:
    case TypeKind::RuntimeArray:
        return alignOf(ty.element);
    case TypeKind::Struct: {
        if (m_.decorations.count(t) && m_.decorations.at(t).cpacked)
            return 1;
        std::uint64_t a = 1;
        for (Id member : ty.members)
            a = std::max(a, alignOf(member));
        return a;
    }
    case TypeKind::Bool:
        return 1;
    default:
        return scalarWidth(t) / 8;
    }
}

std::uint64_t Lowering::sizeOf(Id t) const
{
    const Type& ty = type(t);
    switch (ty.kind) {
    case TypeKind::Vector: {
        std::uint64_t n = ty.count == 3 && kernel_ ? 4 : ty.count;
        return n * sizeOf(ty.element);
    }
    case TypeKind::Array:
        return arrayLength(ty) * arrayStride(t);
    case TypeKind::RuntimeArray:
        return 0;
    case TypeKind::Struct: {
        if (ty.members.empty())
            return 0;
        std::uint32_t last = static_cast<std::uint32_t>(ty.members.size() - 1);
        std::uint64_t end = memberOffset(t, last) + sizeOf(ty.members[last]);
        std::uint64_t a = alignOf(t);
        return (end + a - 1) / a * a;
    }
    case TypeKind::Bool:
        return 1;
    default:
        return scalarWidth(t) / 8;
    }
}

std::uint64_t Lowering::memberOffset(Id s, std::uint32_t member) const
{
    auto it = m_.memberDecorations.find({s, member});
    if (it != m_.memberDecorations.end() && it->second.offset)
        return *it->second.offset;
    const Type& ty = type(s);
    bool packed = m_.decorations.count(s) && m_.decorations.at(s).cpacked;
    std::uint64_t offset = 0;
    for (std::uint32_t i = 0; i <= member; i++) {
        std::uint64_t a = packed ? 1 : alignOf(ty.members[i]);
        offset = (offset + a - 1) / a * a;
        if (i == member)
            break;
        offset += sizeOf(ty.members[i]);
    }
    return offset;
}

std::uint64_t Lowering::arrayStride(Id t) const
{
    auto it = m_.decorations.find(t);
    if (it != m_.decorations.end() && it->second.arrayStride)
        return *it->second.arrayStride;
    Id e = type(t).element;
    std::uint64_t a = alignOf(e);
    return (sizeOf(e) + a - 1) / a * a;
}

void Lowering::leaves(Id t, std::uint64_t offset, std::vector<std::pair<Id, std::uint64_t>>& out) const
{
    const Type& ty = type(t);
    switch (ty.kind) {
    case TypeKind::Vector:
        for (std::uint64_t i = 0; i < ty.count; i++)
            out.push_back({ty.element, offset + i * sizeOf(ty.element)});
        return;
    case TypeKind::Array: {
        std::uint64_t stride = arrayStride(t);
        for (std::uint64_t i = 0; i < arrayLength(ty); i++)
            leaves(ty.element, offset + i * stride, out);
        return;
    }
    case TypeKind::Struct:
        for (std::uint32_t i = 0; i < ty.members.size(); i++)
            leaves(ty.members[i], offset + memberOffset(t, i), out);
        return;
    default:
        out.push_back({t, offset});
    }
}

std::uint32_t Lowering::leafIndex(Id t, std::span<const std::uint32_t> indices, Id* leafType) const
{
    std::uint32_t leaf = 0;
    for (std::uint32_t index : indices) {
        const Type& ty = type(t);
        switch (ty.kind) {
        case TypeKind::Vector:
        case TypeKind::Array:
            leaf += index * leafCount(ty.element);
            t = ty.element;
            break;
        case TypeKind::Struct:
            for (std::uint32_t i = 0; i < index; i++)
                leaf += leafCount(ty.members[i]);
            t = ty.members.at(index);
            break;
        default:
            throw CompileError{"index into a scalar", {}};
        }
    }
    if (leafType)
        *leafType = t;
    return leaf;
}

// ================================================================ structure

// Immediate dominators (Cooper, Harvey, Kennedy) over the blocks of @p ord,
// a reverse post-order from @p root.
std::unordered_map<Id, Id> immediateDominators(const std::vector<Id>& ord,
                                               std::unordered_map<Id, std::vector<Id>>& predMap, Id root)
{
    std::unordered_map<Id, int> index;
    for (std::size_t i = 0; i < ord.size(); i++)
        index[ord[i]] = static_cast<int>(i);
    std::unordered_map<Id, Id> idom;
    idom[root] = root;
    auto intersect = [&](Id a, Id b) {
        while (a != b) {
            while (index[a] > index[b])
                a = idom[a];
            while (index[b] > index[a])
                b = idom[b];
        }
        return a;
    };
    for (bool changed = true; changed;) {
        changed = false;
        for (Id b : ord) {
            if (b == root)
                continue;
            Id best = 0;
            bool found = false; // the virtual exit is id 0: a real candidate
            for (Id p : predMap[b]) {
                if (!idom.count(p) || !index.count(p))
                    continue;
                best = found ? intersect(p, best) : p;
                found = true;
            }
            if (found && (!idom.count(b) || idom[b] != best)) {
                idom[b] = best;
                changed = true;
            }
        }
    }
    return idom;
}

// The blocks reachable from a function's entry in reverse post-order, and
// their dominators.
struct Dominance {
    Id entry = 0;
    std::vector<Id> order;
    std::unordered_map<Id, int> rpo;
    std::unordered_map<Id, Id> idom;

    bool dominates(Id a, Id b) const
    {
        while (true) {
            if (a == b)
                return true;
            auto up = idom.find(b);
            if (b == entry || up == idom.end())
                return false;
            b = up->second;
        }
    }
};

void Lowering::buildCfg(const Function& fn)
{
    for (const Inst& p : fn.params)
        defs_[p.result] = &p;
    for (const Inst& v : fn.variables)
        defs_[v.result] = &v;
    for (const Block& b : fn.blocks) {
        blocks_[b.label] = &b;
        for (const Inst& inst : b.body)
            if (inst.result)
                defs_[inst.result] = &inst;
    }
    for (const Block& b : fn.blocks) {
        const Inst& term = b.body.back();
        std::vector<Id> targets;
        switch (term.op) {
        case Op::OpBranch:
            targets = {term.operands[0]};
            break;
        case Op::OpBranchConditional:
            targets = {term.operands[1], term.operands[2]};
            break;
        case Op::OpSwitch: {
            targets.push_back(term.operands[1]);
            for (auto& [value, target] : switchCases(term))
                targets.push_back(target);
            break;
        }
        default:
            break;
        }
        std::sort(targets.begin(), targets.end());
        targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
        for (Id t : targets) {
            succs_[b.label].push_back(t);
            preds_[t].push_back(b.label);
        }
        if (b.merge) {
            if (b.merge->op == Op::OpSelectionMerge)
                selMerge_[b.label] = b.merge->operands[0];
            else
                loopMerge_[b.label] = {b.merge->operands[0], b.merge->operands[1]};
        }
    }
}

Dominance Lowering::dominance(Id entry)
{
    Dominance d;
    d.entry = entry;
    std::unordered_set<Id> seen;
    std::function<void(Id)> dfs = [&](Id b) {
        seen.insert(b);
        for (Id s : succs_[b])
            if (!seen.count(s))
                dfs(s);
        d.order.push_back(b);
    };
    dfs(entry);
    std::reverse(d.order.begin(), d.order.end());
    for (std::size_t i = 0; i < d.order.size(); i++)
        d.rpo[d.order[i]] = static_cast<int>(i);
    d.idom = immediateDominators(d.order, preds_, entry);
    return d;
}

// For CFGs without merge instructions (llvm-spirv output): natural loops and
// immediate post-dominators stand in for OpLoopMerge and OpSelectionMerge.
void Lowering::deriveStructure(const Function& fn)
{
    bool hasConditional = false, hasMerges = false;
    for (const Block& b : fn.blocks) {
        hasConditional |= b.body.back().op == Op::OpBranchConditional;
        hasMerges |= b.merge.has_value();
    }
    if (!hasConditional || hasMerges)
        return;

    Id entry = fn.blocks.front().label;
    Dominance dom = dominance(entry);
    const std::vector<Id>& order = dom.order;
    std::unordered_map<Id, int>& rpo = dom.rpo;
    auto dominates = [&](Id a, Id b) { return dom.dominates(a, b); };

    // Loops.
    std::unordered_map<Id, std::unordered_set<Id>> loopBody;
    std::unordered_map<Id, Id> innermost; // block -> header of its innermost loop
    for (Id b : order) {
        for (Id s : succs_[b]) {
            if (!dominates(s, b))
                continue;
            if (loopMerge_.count(s))
                failStructure(fn.id,
                              fmt::format("loop at block {} has several latches: unsupported control flow", blockName(s)));
            // Natural loop of the back edge b -> s.
            std::unordered_set<Id>& body = loopBody[s];
            std::vector<Id> work = {b};
            body.insert(s);
            while (!work.empty()) {
                Id x = work.back();
                work.pop_back();
                // The header bounds the walk (also when it is its own latch).
                if (x != s && (body.insert(x).second || x == b))
                    for (Id p : preds_[x])
                        if (!body.count(p))
                            work.push_back(p);
            }
            // Exits; a block that only branches on (clang's "break" blocks)
            // is followed to where it goes and becomes part of the loop.
            auto forwards = [&](Id x) {
                const Block& blk = block(x);
                return blk.body.size() == 1 && blk.body[0].op == Op::OpBranch && !blk.merge;
            };
            std::set<Id> exits;
            std::vector<Id> breakBlocks;
            for (Id x : body)
                for (Id t : succs_[x]) {
                    if (body.count(t))
                        continue;
                    for (int hops = 0; forwards(t) && hops < 8 && !body.count(succs_[t][0]); hops++) {
                        breakBlocks.push_back(t);
                        t = succs_[t][0];
                    }
                    exits.insert(t);
                }
            if (exits.size() == 1) {
                for (Id x : breakBlocks)
                    if (x != *exits.begin())
                        body.insert(x);
                loopMerge_[s] = {*exits.begin(), b};
            } else {
                // Several exits (a return or a break to different places):
                // each exit's lanes are parked in a mask of their own and run
                // their exit's code after the loop, until the exits' paths
                // meet (set below, from the post-dominators).
                std::set<Id> raw;
                for (Id x : body)
                    for (Id t : succs_[x])
                        if (!body.count(t))
                            raw.insert(t);
                std::vector<Id> list(raw.begin(), raw.end());
                std::sort(list.begin(), list.end(), [&](Id a, Id c) { return rpo[a] < rpo[c]; });
                loopExits_[s] = list;
                loopMerge_[s] = {0, b};
            }
        }
    }
    // Innermost loop of each block: the smallest body that holds it.
    for (auto& [header, body] : loopBody)
        for (Id x : body)
            if (!innermost.count(x) || loopBody[innermost[x]].size() > body.size())
                innermost[x] = header;

    // Post-dominators over the reversed CFG with a virtual exit (id 0).
    std::unordered_map<Id, std::vector<Id>> rpreds; // successors in the reversed graph = predecessors
    std::vector<Id> exitsOf;
    for (Id b : order) {
        Op op = block(b).body.back().op;
        if (op == Op::OpReturn || op == Op::OpReturnValue || op == Op::OpKill || op == Op::OpUnreachable)
            rpreds[b].push_back(0);
        for (Id s : succs_[b])
            rpreds[b].push_back(s);
    }
    std::vector<Id> rorder;
    std::unordered_set<Id> rseen;
    std::unordered_map<Id, std::vector<Id>> rsuccs; // reversed graph edges: x -> preds of x
    for (Id b : order)
        for (Id s : rpreds[b])
            rsuccs[s].push_back(b);
    std::function<void(Id)> rdfs = [&](Id b) {
        rseen.insert(b);
        for (Id s : rsuccs[b])
            if (!rseen.count(s))
                rdfs(s);
        rorder.push_back(b);
    };
    rdfs(0);
    std::reverse(rorder.begin(), rorder.end());
    auto ipdom = immediateDominators(rorder, rpreds, 0);
    for (auto& [header, body] : loopBody)
        loopBodies_[header] = body;
    for (auto& [header, exits] : loopExits_) {
        // The nearest block that post-dominates every exit (0: the function's end).
        auto chain = [&](Id x) {
            std::vector<Id> c;
            for (int guard = 0; x && guard < 100000; guard++) {
                c.push_back(x);
                if (!ipdom.count(x) || ipdom[x] == x)
                    break;
                x = ipdom[x];
            }
            return c;
        };
        Id join = 0;
        for (Id candidate : chain(exits.front())) {
            bool all = true;
            for (std::size_t i = 1; i < exits.size() && all; i++) {
                auto c = chain(exits[i]);
                all = std::find(c.begin(), c.end(), candidate) != c.end();
            }
            if (all) {
                join = candidate;
                break;
            }
        }
        loopMerge_[header].first = join;
    }

    for (Id b : order) {
        const Inst& term = block(b).body.back();
        if ((term.op != Op::OpBranchConditional && term.op != Op::OpSwitch) || loopMerge_.count(b))
            continue;
        Id loop = innermost.count(b) ? innermost[b] : 0;
        bool escape = false;
        if (loop) {
            auto [merge, cont] = loopMerge_[loop];
            for (Id t : succs_[b])
                escape |= t == merge || t == cont || t == loop;
        }
        if (escape)
            continue; // a conditional break or continue needs no merge
        Id merge = ipdom.count(b) ? ipdom[b] : 0;
        if (loop && (!merge || !loopBody[loop].count(merge)))
            merge = loopMerge_[loop].second; // paths meet again at the latch
        // merge 0: the paths only meet at the exit (each side returns).
        selMerge_[b] = merge;
    }
}

bool Lowering::scalarCapable(const Inst& inst) const
{
    // Saturating conversions clamp with vector instructions.
    if (auto d = m_.decorations.find(inst.result); d != m_.decorations.end() && d->second.saturated)
        return false;
    switch (inst.op) {
    case Op::OpIAdd:
    case Op::OpISub:
    case Op::OpIMul:
    case Op::OpBitwiseAnd:
    case Op::OpBitwiseOr:
    case Op::OpBitwiseXor:
    case Op::OpShiftLeftLogical:
    case Op::OpShiftRightLogical:
    case Op::OpShiftRightArithmetic:
    case Op::OpNot:
    case Op::OpSNegate:
    case Op::OpIEqual:
    case Op::OpINotEqual:
    case Op::OpULessThan:
    case Op::OpULessThanEqual:
    case Op::OpUGreaterThan:
    case Op::OpUGreaterThanEqual:
    case Op::OpSLessThan:
    case Op::OpSLessThanEqual:
    case Op::OpSGreaterThan:
    case Op::OpSGreaterThanEqual:
    case Op::OpLogicalAnd:
    case Op::OpLogicalOr:
    case Op::OpLogicalNot:
    case Op::OpLogicalEqual:
    case Op::OpLogicalNotEqual:
    case Op::OpSelect:
    case Op::OpUConvert:
    case Op::OpSConvert:
    case Op::OpConvertPtrToU:
    case Op::OpConvertUToPtr:
    case Op::OpCompositeExtract:
    case Op::OpCompositeConstruct:
    case Op::OpCompositeInsert:
    case Op::OpVectorShuffle:
    case Op::OpCopyObject:
    case Op::OpAccessChain:
    case Op::OpInBoundsAccessChain:
    case Op::OpPtrAccessChain:
    case Op::OpInBoundsPtrAccessChain:
    case Op::OpPtrCastToGeneric:
    case Op::OpGenericCastToPtr:
    case Op::OpPhi:
        return true;
    case Op::OpBitcast:
        return !isFloat(scalarOf(inst.type));
    default:
        return false;
    }
}

void Lowering::analyseUniformity(const Function& fn)
{
    // Start again: an inlined function is analysed per call.
    for (const Block& b : fn.blocks) {
        joinVarying_.erase(b.label);
        for (const Inst& inst : b.body)
            varying_.erase(inst.result);
    }
    std::unordered_set<Id> mine;
    for (const Block& b : fn.blocks)
        mine.insert(b.label);
    for (const auto& [id, offset] : privateOffset_)
        varying_.insert(id); // addresses in the lanes' stacks
    // Loops: every block reachable from the header without the merge.
    std::unordered_map<Id, std::vector<Id>> loopBlocks;
    for (auto& [header, mc] : loopMerge_) {
        if (!mine.count(header))
            continue;
        if (loopBodies_.count(header)) {
            loopBlocks[header].assign(loopBodies_[header].begin(), loopBodies_[header].end());
            continue;
        }
        std::unordered_set<Id> body{header};
        std::vector<Id> work{header};
        while (!work.empty()) {
            Id x = work.back();
            work.pop_back();
            for (Id s : succs_[x])
                if (s != mc.first && body.insert(s).second)
                    work.push_back(s);
        }
        loopBlocks[header].assign(body.begin(), body.end());
    }

    for (bool changed = true; changed;) {
        changed = false;
        auto mark = [&](Id id) {
            if (id && varying_.insert(id).second)
                changed = true;
        };
        auto markJoin = [&](Id id) {
            if (joinVarying_.insert(id).second)
                changed = true;
        };
        for (const Block& b : fn.blocks) {
            const Inst& term = b.body.back();
            if ((term.op == Op::OpBranchConditional || term.op == Op::OpSwitch) && varying(term.operands[0]) &&
                selMerge_.count(b.label))
                markJoin(selMerge_[b.label]);
        }
        // Blocks under divergent control: inside a selection (or switch)
        // whose condition is varying.
        std::unordered_set<Id> underDivergence;
        for (const Block& b : fn.blocks) {
            const Inst& term = b.body.back();
            bool conditional = term.op == Op::OpBranchConditional || term.op == Op::OpSwitch;
            if (!conditional || !varying(term.operands[0]) || !selMerge_.count(b.label))
                continue;
            Id merge = selMerge_[b.label];
            std::vector<Id> work(succs_[b.label].begin(), succs_[b.label].end());
            while (!work.empty()) {
                Id x = work.back();
                work.pop_back();
                if (x == merge || !mine.count(x) || !underDivergence.insert(x).second)
                    continue;
                for (Id s : succs_[x])
                    work.push_back(s);
            }
        }
        // A loop is divergent when lanes can leave it at different times: a
        // break or return under divergent control or on a varying condition.
        // Continues under divergence only make the continue target a join.
        for (auto& [header, blocks] : loopBlocks) {
            auto [merge, cont] = loopMerge_[header];
            std::unordered_set<Id> inLoop(blocks.begin(), blocks.end());
            bool divergent = false, contJoin = false;
            for (Id x : blocks) {
                const Inst& term = block(x).body.back();
                bool varyingCond = (term.op == Op::OpBranchConditional || term.op == Op::OpSwitch) &&
                                   varying(term.operands[0]);
                bool diverged = varyingCond || underDivergence.count(x);
                bool leaves = term.op == Op::OpReturn || term.op == Op::OpReturnValue || term.op == Op::OpKill;
                for (Id t : succs_[x]) {
                    leaves |= t == merge || !inLoop.count(t);
                    contJoin |= t == cont && diverged;
                }
                divergent |= leaves && diverged;
            }
            if (divergent) {
                markJoin(header);
                markJoin(merge);
                markJoin(cont);
                if (loopExits_.count(header))
                    for (Id e : loopExits_[header])
                        markJoin(e);
            } else if (contJoin) {
                markJoin(cont);
            }
        }
        for (const Block& b : fn.blocks) {
            for (const Inst& inst : b.body) {
                if (!inst.result || varying(inst.result))
                    continue;
                bool v = false;
                if (inst.op == Op::OpPhi) {
                    // Linearised: lanes reach a block at different sweeps.
                    v = joinVarying_.count(b.label) != 0 || linearFns_.count(fn.id) != 0;
                    for (std::size_t i = 0; i < inst.operands.size(); i += 2)
                        v |= varying(inst.operands[i]);
                } else if (inst.op == Op::OpLoad) {
                    // Arguments and the uniform built-ins are scalar; memory
                    // is read per lane.
                    Id ptr = inst.operands[0];
                    v = true;
                    Id root = ptr;
                    while (defs_.count(root) && (defs_[root]->op == Op::OpAccessChain ||
                                                  defs_[root]->op == Op::OpInBoundsAccessChain))
                        root = defs_[root]->operands[0];
                    if (m_.globals.count(root)) {
                        const Inst& g = m_.globals.at(root);
                        auto sc = static_cast<spv::StorageClass>(g.operands[0]);
                        if (sc == spv::StorageClass::PushConstant)
                            v = false;
                        else if (sc == spv::StorageClass::Input && m_.decorations.count(root) &&
                                 m_.decorations.at(root).builtIn) {
                            auto bi = *m_.decorations.at(root).builtIn;
                            v = bi == spv::BuiltIn::GlobalInvocationId || bi == spv::BuiltIn::LocalInvocationId ||
                                bi == spv::BuiltIn::LocalInvocationIndex;
                        }
                    }
                } else if (!scalarCapable(inst)) {
                    v = true;
                } else {
                    std::size_t first = 0;
                    for (std::size_t i = first; i < inst.operands.size(); i++) {
                        Id id = inst.operands[i];
                        // Literal operands (indices of extract, shuffle) are
                        // never ids of varying values unless they collide; be
                        // conservative and only count ids that have a def.
                        if (defs_.count(id) && varying(id))
                            v = true;
                    }
                }
                if (v)
                    mark(inst.result);
            }
        }
    }
}

// ================================================================ emission helpers

std::uint32_t Lowering::newReg(bool vector, bool multiDef)
{
    regVector_.push_back(vector);
    regMultiDef_.push_back(multiDef);
    return static_cast<std::uint32_t>(regVector_.size() - 1);
}

bool Lowering::isVector(const Opnd& o) const
{
    if (o.kind == Opnd::Reg)
        return regVector_[o.reg];
    if (o.kind == Opnd::Phys)
        return o.text[0] == 'v' || o.text == "laneid";
    return false;
}

bool fitsLiteral(std::uint64_t v, unsigned width)
{
    if (width <= 32)
        return true;
    return static_cast<std::int64_t>(v) == static_cast<std::int32_t>(v);
}

Opnd Lowering::toScalar(const Opnd& o)
{
    if (!o.isImm())
        return o;
    Opnd d = newS();
    if (fitsLiteral(o.imm, 64)) {
        emit("s_mov", {d, Opnd::i(o.imm & 0xffffffff)});
    } else {
        emit("s_mov", {d, Opnd::i(o.imm >> 32)});
        emit("s_shl", {d, d, Opnd::i(32)});
        Opnd lo = newS();
        emit("s_mov", {lo, Opnd::i(o.imm & 0xffffffff)});
        emit("s_shl", {lo, lo, Opnd::i(32)});
        emit("s_shr", {lo, lo, Opnd::i(32)});
        emit("s_or", {d, d, lo});
    }
    return d;
}

Opnd Lowering::lit(const Opnd& o, unsigned width)
{
    if (o.isImm() && !fitsLiteral(o.imm, width))
        return toScalar(o);
    if (o.isImm())
        return Opnd::i(o.imm & 0xffffffff);
    return o;
}

void Lowering::copyTo(const Opnd& dst, const Opnd& src)
{
    if (isVector(dst))
        emit("v_mov", {dst, lit(src, 64)});
    else
        emit("s_mov", {dst, lit(src, 64)});
}

Opnd Lowering::truncS(Opnd v, unsigned width)
{
    if (width >= 64)
        return v;
    if (v.isImm())
        return Opnd::i(v.imm & ((1ull << width) - 1));
    Opnd d = newS();
    if (width == 32) {
        emit("s_shl", {d, v, Opnd::i(32)});
        emit("s_shr", {d, d, Opnd::i(32)});
    } else {
        emit("s_and", {d, v, Opnd::i((1u << width) - 1)});
    }
    return d;
}

Opnd Lowering::sextS(Opnd v, unsigned width)
{
    if (width >= 64)
        return v;
    if (v.isImm())
        return Opnd::i(static_cast<std::uint64_t>(static_cast<std::int64_t>(v.imm << (64 - width)) >> (64 - width)));
    Opnd d = newS();
    emit("s_shl", {d, lit(v, 64), Opnd::i(64 - width)});
    emit("s_sar", {d, d, Opnd::i(64 - width)});
    return d;
}

Opnd Lowering::truncV(Opnd v, unsigned width)
{
    if (width >= 64)
        return v;
    if (v.isImm())
        return Opnd::i(v.imm & ((1ull << width) - 1));
    Opnd d = newV();
    if (width == 32)
        emit("v_cvt_u64_u32", {d, lit(v, 32)});
    else
        emit("v_and_b32", {d, lit(v, 32), Opnd::i((1u << width) - 1)});
    return d;
}

Opnd Lowering::sextV32(Opnd v, unsigned width)
{
    if (width >= 32)
        return v;
    if (v.isImm()) // the 32-bit pattern of the sign-extended value
        return Opnd::i(static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(v.imm) << (32 - width)) >>
                                                  (32 - width)));
    Opnd d = newV();
    emit("v_shl_b32", {d, lit(v, 32), Opnd::i(32 - width)});
    emit("v_sar_i32", {d, d, Opnd::i(32 - width)});
    return d;
}

Opnd Lowering::vop1(const char* op, const Opnd& a, unsigned width)
{
    Opnd d = newV();
    emit(op, {d, lit(a, width)});
    return d;
}

Opnd Lowering::vop2(const char* op, const Opnd& a, const Opnd& b, unsigned width)
{
    Opnd d = newV();
    Opnd la = lit(a, width), lb = lit(b, width);
    if (la.isImm() && lb.isImm() && la.imm != lb.imm)
        lb = toScalar(b);
    emit(op, {d, la, lb});
    return d;
}

// A lane mask: @p op ("v_cmp_lt_u32"...) of @p a against the constant @p b.
Opnd Lowering::cmpMask(const char* op, const Opnd& a, std::uint32_t b)
{
    Opnd mask = newS();
    emit(op, {mask, lit(a, 32), lit(Opnd::i(b), 32)});
    return mask;
}

// Per lane: @p t where @p mask is set, @p f elsewhere.
Opnd Lowering::pick(const Opnd& mask, const Opnd& t, const Opnd& f)
{
    Opnd d = newV();
    emit("v_cndmask", {d, notLit(f), notLit(t), mask});
    return d;
}

// half (IEEE 754 binary16) is a storage format here: a half value is its
// 16 bits, zero-extended, and only loads, stores, moves and conversions to
// and from float touch it (OpenCL's vload_half and vstore_half, which need
// no cl_khr_fp16). Exact: every half is a float.
Opnd Lowering::halfToFloat(const Opnd& h)
{
    Opnd mag = vop2("v_and_b32", h, Opnd::i(0x7fff));
    Opnd sign = vop2("v_shl_b32", vop2("v_shr_b32", h, Opnd::i(15)), Opnd::i(31));
    // Normal: the exponent's bias goes from 15 to 127, the mantissa up 13 bits.
    Opnd shifted = vop2("v_shl_b32", mag, Opnd::i(13));
    Opnd normal = vop2("v_add_u32", shifted, Opnd::i(112u << 23));
    // Infinity and NaN (exponent 31): the float's exponent is all ones too.
    Opnd special = vop2("v_or_b32", shifted, Opnd::i(0x7f800000));
    // Zero and subnormals: mantissa * 2^-24, exact in float.
    Opnd sub = vop2("v_mul_f32", vop1("v_cvt_f32_u32", vop2("v_and_b32", h, Opnd::i(0x3ff))), Opnd::i(0x33800000));
    Opnd r = pick(cmpMask("v_cmp_ge_u32", mag, 0x7c00), special, normal);
    r = pick(cmpMask("v_cmp_lt_u32", mag, 0x400), sub, r);
    return vop2("v_or_b32", r, sign);
}

// float to half, rounding to nearest even (OpFConvert's default): overflow
// gives infinity, NaN stays a (quiet) NaN, tiny values become subnormals.
Opnd Lowering::floatToHalf(const Opnd& f)
{
    Opnd a = vop2("v_and_b32", f, Opnd::i(0x7fffffff));
    Opnd sign = vop2("v_and_b32", vop2("v_shr_b32", f, Opnd::i(16)), Opnd::i(0x8000));
    // Normal: drop 13 mantissa bits, adding just under half of them plus the
    // kept lowest bit (ties to even); a carry moves into the exponent.
    Opnd lsb = vop2("v_and_b32", vop2("v_shr_b32", a, Opnd::i(13)), Opnd::i(1));
    Opnd t = vop2("v_add_u32", vop2("v_add_u32", a, Opnd::i(0xfff)), lsb);
    Opnd normal = vop2("v_sub_u32", vop2("v_shr_b32", t, Opnd::i(13)), Opnd::i(112u << 10));
    // Below 2^-14: a subnormal half, |f| * 2^24 rounded to nearest even.
    Opnd sub = vop1("v_cvt_u32_f32", vop1("v_rint_f32", vop2("v_mul_f32", a, Opnd::i(0x4b800000))));
    Opnd nan = vop2("v_or_b32", vop2("v_and_b32", vop2("v_shr_b32", a, Opnd::i(13)), Opnd::i(0x3ff)), Opnd::i(0x7e00));
    Opnd r = pick(cmpMask("v_cmp_lt_u32", a, 0x38800000), sub, normal);
    // From 65520 on, the nearest half (ties to even) is infinity.
    r = pick(cmpMask("v_cmp_ge_u32", a, 0x477ff000), Opnd::i(0x7c00), r);
    r = pick(cmpMask("v_cmp_gt_u32", a, 0x7f800000), nan, r);
    return vop2("v_or_b32", r, sign);
}

Opnd Lowering::maskToBool(const Opnd& mask)
{
    Opnd d = newV();
    Opnd zero = toScalar(Opnd::i(0)), oneS = toScalar(Opnd::i(1));
    emit("v_cndmask", {d, zero, oneS, mask});
    return d;
}

Opnd Lowering::boolToMask(const Opnd& b)
{
    Opnd mask = newS();
    emit("v_cmp_ne_u32", {mask, lit(b, 32), Opnd::i(0)});
    return mask;
}

Opnd Lowering::intBin(Op op, unsigned width, Opnd a, Opnd b, bool uniform, const Inst& inst)
{
    bool wide = width > 32;
    if (uniform) {
        const char* name = nullptr;
        bool needTrunc = false, signedOps = false;
        switch (op) {
        case Op::OpIAdd:
            name = "s_add", needTrunc = true;
            break;
        case Op::OpISub:
            name = "s_sub", needTrunc = true;
            break;
        case Op::OpIMul:
            name = "s_mul", needTrunc = true;
            break;
        case Op::OpBitwiseAnd:
            name = "s_and";
            break;
        case Op::OpBitwiseOr:
            name = "s_or";
            break;
        case Op::OpBitwiseXor:
            name = "s_xor";
            break;
        case Op::OpShiftLeftLogical:
            name = "s_shl", needTrunc = true;
            break;
        case Op::OpShiftRightLogical:
            name = "s_shr";
            break;
        case Op::OpShiftRightArithmetic:
            name = "s_sar", needTrunc = true, signedOps = true;
            break;
        default:
            failAt(inst, fmt::format("internal: no scalar form of {}", opName(op)));
        }
        if (signedOps)
            a = sextS(a, width);
        Opnd d = newS();
        Opnd la = lit(a, 64), lb = lit(b, 64);
        if (la.isImm() && lb.isImm() && la.imm != lb.imm)
            lb = toScalar(b);
        emit(name, {d, la, lb});
        return needTrunc ? truncS(d, width) : d;
    }

    const char* name = nullptr;
    bool needTrunc = false, signedOps = false, v2 = false;
    switch (op) {
    case Op::OpIAdd:
        name = wide ? "v_add_u64" : "v_add_u32", needTrunc = true;
        break;
    case Op::OpISub:
        name = wide ? "v_sub_u64" : "v_sub_u32", needTrunc = true;
        break;
    case Op::OpIMul:
        name = wide ? "v_mul_u64" : "v_mul_u32", needTrunc = true;
        break;
    case Op::OpBitwiseAnd:
        name = wide ? "v_and_b64" : "v_and_b32";
        break;
    case Op::OpBitwiseOr:
        name = wide ? "v_or_b64" : "v_or_b32";
        break;
    case Op::OpBitwiseXor:
        name = wide ? "v_xor_b64" : "v_xor_b32";
        break;
    case Op::OpShiftLeftLogical:
        name = wide ? "v_shl_b64" : "v_shl_b32", needTrunc = true;
        break;
    case Op::OpShiftRightLogical:
        name = wide ? "v_shr_b64" : "v_shr_b32";
        break;
    case Op::OpShiftRightArithmetic:
        name = wide ? "v_sar_i64" : "v_sar_i32", needTrunc = true, signedOps = true;
        break;
    case Op::OpUDiv:
        name = wide ? "v_div_u64" : "v_div_u32";
        break;
    case Op::OpUMod:
        name = wide ? "v_rem_u64" : "v_rem_u32";
        break;
    case Op::OpSDiv:
        name = wide ? "v_div_i64" : "v_div_i32", needTrunc = true, signedOps = true, v2 = true;
        break;
    case Op::OpSRem:
        name = wide ? "v_rem_i64" : "v_rem_i32", needTrunc = true, signedOps = true, v2 = true;
        break;
    default:
        failAt(inst, fmt::format("internal: no vector form of {}", opName(op)));
    }
    (void)v2;
    if (signedOps && width < 32) {
        a = sextV32(a, width);
        if (op != Op::OpShiftRightArithmetic)
            b = sextV32(b, width);
    }
    if (width < 32 && (op == Op::OpUDiv || op == Op::OpUMod))
        needTrunc = false;
    Opnd d = vop2(name, a, b, wide ? 64 : 32);
    return needTrunc && width < 32 ? truncV(d, width) : d;
}

Opnd Lowering::intCmp(Op op, unsigned width, Opnd a, Opnd b, bool uniform)
{
    const char* cond = "eq";
    bool isSigned = false;
    switch (op) {
    case Op::OpIEqual:
    case Op::OpLogicalEqual:
        cond = "eq";
        break;
    case Op::OpINotEqual:
    case Op::OpLogicalNotEqual:
        cond = "ne";
        break;
    case Op::OpULessThan:
        cond = "lt";
        break;
    case Op::OpULessThanEqual:
        cond = "le";
        break;
    case Op::OpUGreaterThan:
        cond = "gt";
        break;
    case Op::OpUGreaterThanEqual:
        cond = "ge";
        break;
    case Op::OpSLessThan:
        cond = "lt", isSigned = true;
        break;
    case Op::OpSLessThanEqual:
        cond = "le", isSigned = true;
        break;
    case Op::OpSGreaterThan:
        cond = "gt", isSigned = true;
        break;
    case Op::OpSGreaterThanEqual:
        cond = "ge", isSigned = true;
        break;
    default:
        break;
    }
    if (uniform) {
        if (isSigned) {
            a = sextS(a, width);
            b = sextS(b, width);
        }
        Opnd d = newS();
        std::string name = fmt::format("s_cmp_{}{}", cond,
                                       std::string_view(cond) == "eq" || std::string_view(cond) == "ne"
                                           ? ""
                                           : (isSigned ? "_i" : "_u"));
        Opnd la = lit(a, 64), lb = lit(b, 64);
        if (la.isImm() && lb.isImm() && la.imm != lb.imm)
            lb = toScalar(b);
        emit(name, {d, la, lb});
        return d;
    }
    if (isSigned && width < 32) {
        a = sextV32(a, width);
        b = sextV32(b, width);
    }
    bool wide = width > 32;
    std::string name = fmt::format("v_cmp_{}_{}{}", cond, isSigned ? "i" : "u", wide ? "64" : "32");
    Opnd mask = newS();
    Opnd la = lit(a, wide ? 64 : 32), lb = lit(b, wide ? 64 : 32);
    if (la.isImm() && lb.isImm() && la.imm != lb.imm)
        lb = toScalar(b);
    emit(name, {mask, la, lb});
    return maskToBool(mask);
}

Opnd Lowering::floatCmp(Op op, Opnd a, Opnd b)
{
    auto cmp = [&](const char* cond) {
        Opnd mask = newS();
        Opnd la = lit(a, 32), lb = lit(b, 32);
        if (la.isImm() && lb.isImm() && la.imm != lb.imm)
            lb = toScalar(b);
        emit(fmt::format("v_cmp_{}_f32", cond), {mask, la, lb});
        return mask;
    };
    auto negate = [&](Opnd mask) {
        Opnd d = newS();
        emit("s_andn2", {d, Opnd::p("exec"), mask});
        return d;
    };
    Opnd mask;
    switch (op) {
    case Op::OpFOrdEqual:
        mask = cmp("eq");
        break;
    case Op::OpFUnordNotEqual:
        mask = cmp("ne");
        break;
    case Op::OpFOrdLessThan:
        mask = cmp("lt");
        break;
    case Op::OpFOrdLessThanEqual:
        mask = cmp("le");
        break;
    case Op::OpFOrdGreaterThan:
        mask = cmp("gt");
        break;
    case Op::OpFOrdGreaterThanEqual:
        mask = cmp("ge");
        break;
    case Op::OpFOrdNotEqual: {
        Opnd lt = cmp("lt"), gt = cmp("gt");
        mask = newS();
        emit("s_or", {mask, lt, gt});
        break;
    }
    case Op::OpFUnordEqual: {
        Opnd lt = cmp("lt"), gt = cmp("gt");
        Opnd either = newS();
        emit("s_or", {either, lt, gt});
        mask = negate(either);
        break;
    }
    case Op::OpFUnordLessThan:
        mask = negate(cmp("ge"));
        break;
    case Op::OpFUnordLessThanEqual:
        mask = negate(cmp("gt"));
        break;
    case Op::OpFUnordGreaterThan:
        mask = negate(cmp("le"));
        break;
    case Op::OpFUnordGreaterThanEqual:
        mask = negate(cmp("lt"));
        break;
    default:
        fail(fmt::format("internal: float compare {}", opName(op)));
    }
    return maskToBool(mask);
}

Opnd Lowering::select(const Opnd& c, const Opnd& t, const Opnd& f, bool uniform)
{
    if (uniform) {
        // mask = 0 - c: all ones or zero; d = (t & mask) | (f & ~mask).
        Opnd mask = newS(), x = newS(), y = newS(), d = newS();
        emit("s_sub", {mask, Opnd::i(0), lit(c, 64)});
        emit("s_and", {x, lit(t, 64), mask});
        emit("s_andn2", {y, lit(f, 64), mask});
        emit("s_or", {d, x, y});
        return d;
    }
    Opnd mask = boolToMask(c);
    Opnd d = newV();
    emit("v_cndmask", {d, notLit(f), notLit(t), mask});
    return d;
}

Opnd Lowering::convert(const Inst& inst, Id fromType, Id toType, const Opnd& a, bool uniform)
{
    const Type& from = type(fromType);
    const Type& to = type(toType);
    unsigned fw = scalarWidth(fromType), tw = scalarWidth(toType);
    // OpenCL's convert_<type>_sat[_<mode>]: SaturatedConversion and
    // FPRoundingMode decorations on the result. Ignoring them would be a
    // silent wrong result (convert_uchar_sat(300.f) is 255, not 44).
    auto deco = m_.decorations.find(inst.result);
    bool saturated = deco != m_.decorations.end() && deco->second.saturated;
    std::optional<spv::FPRoundingMode> rounding;
    if (deco != m_.decorations.end())
        rounding = deco->second.rounding;
    // Clamps the vector value @p v (a @p width-bit integer, signed when
    // @p s) to the range of the @p tw-bit target, signed when @p ts.
    auto clampTo = [&](Opnd v, unsigned width, bool s, unsigned tbits, bool ts) {
        bool wide = width > 32;
        std::uint64_t tmax = ts ? (1ull << (tbits - 1)) - 1 : (tbits == 64 ? ~0ull : (1ull << tbits) - 1);
        if (s) {
            std::int64_t tmin = ts ? -(std::int64_t{1} << (tbits - 1)) : 0;
            v = vop2(wide ? "v_max_i64" : "v_max_i32", v, Opnd::i(static_cast<std::uint64_t>(tmin)), width);
            if (tbits < width || !ts)
                v = vop2(wide ? "v_min_i64" : "v_min_i32", v, Opnd::i(tmax), width);
        } else if (tbits < width || ts) {
            v = vop2(wide ? "v_min_u64" : "v_min_u32", v, Opnd::i(tmax), width);
        }
        return v;
    };
    switch (inst.op) {
    case Op::OpUConvert:
        if (saturated && tw < fw && !a.isImm())
            return truncV(clampTo(a, std::max(fw, 32u), false, tw, false), tw);
        [[fallthrough]];
    case Op::OpConvertPtrToU:
    case Op::OpConvertUToPtr:
    case Op::OpBitcast:
    case Op::OpPtrCastToGeneric:
    case Op::OpGenericCastToPtr:
        if (tw >= fw)
            return a;
        if (a.isImm())
            return Opnd::i(a.imm & (tw == 64 ? ~0ull : (1ull << tw) - 1));
        return uniform ? truncS(a, tw) : truncV(a, tw);
    case Op::OpSatConvertSToU:
    case Op::OpSatConvertUToS: {
        // Both saturate by definition: signed to unsigned (negative to 0)
        // and unsigned to signed (above the signed maximum to it).
        bool fromSigned = inst.op == Op::OpSatConvertSToU;
        Opnd v = fromSigned ? (fw < 32 ? sextV32(a, fw) : a) : a;
        unsigned width = std::max(fw, 32u);
        if (fromSigned && fw > 32 && tw <= 32)
            v = clampTo(v, 64, true, tw, false);
        else if (fromSigned && fw > 32)
            v = vop2("v_max_i64", v, Opnd::i(0), 64);
        else if (fromSigned && tw > 32)
            v = vop1("v_cvt_i64_i32", clampTo(v, 32, true, 32, false));
        else
            v = clampTo(v, width, fromSigned, tw, !fromSigned);
        return tw < width ? truncV(v, tw) : v;
    }
    case Op::OpSConvert:
        if (saturated && tw < fw && !a.isImm()) {
            Opnd v = fw <= 32 ? sextV32(a, fw) : a;
            return truncV(clampTo(v, std::max(fw, 32u), true, tw, true), tw);
        }
        if (a.isImm()) {
            std::int64_t v = static_cast<std::int64_t>(a.imm << (64 - fw)) >> (64 - fw);
            return Opnd::i(static_cast<std::uint64_t>(v) & (tw == 64 ? ~0ull : (1ull << tw) - 1));
        }
        if (uniform)
            return tw >= fw ? truncS(sextS(a, fw), tw) : truncS(a, tw);
        if (tw <= fw)
            return truncV(a, tw);
        if (tw <= 32)
            return truncV(sextV32(a, fw), tw);
        return vop1("v_cvt_i64_i32", sextV32(a, fw));
    case Op::OpConvertSToF:
        if (tw != 32)
            failAt(inst, "conversion to a float that is not 32-bit (no double in ISA v2)");
        if (fw > 32)
            return vop1("v_cvt_f32_i64", lit(a, 64));
        return vop1("v_cvt_f32_i32", sextV32(a, fw));
    case Op::OpConvertUToF:
        if (tw != 32)
            failAt(inst, "conversion to a float that is not 32-bit (no double in ISA v2)");
        return vop1(fw > 32 ? "v_cvt_f32_u64" : "v_cvt_f32_u32", lit(a, 64));
    case Op::OpConvertFToS:
    case Op::OpConvertFToU: {
        if (fw != 32)
            failAt(inst, "conversion from a float that is not 32-bit (no double in ISA v2)");
        bool s = inst.op == Op::OpConvertFToS;
        Opnd f = a;
        if (rounding == spv::FPRoundingMode::RTE)
            f = vop1("v_rint_f32", f);
        else if (rounding == spv::FPRoundingMode::RTP)
            f = vop1("v_ceil_f32", f);
        else if (rounding == spv::FPRoundingMode::RTN)
            f = vop1("v_floor_f32", f);
        // The ISA's conversions truncate, give 0 for NaN and saturate to
        // 32 or 64 bits: narrower saturated targets clamp after them.
        if (tw > 32)
            return vop1(s ? "v_cvt_i64_f32" : "v_cvt_u64_f32", f);
        Opnd d = vop1(s ? "v_cvt_i32_f32" : "v_cvt_u32_f32", f);
        if (saturated && tw < 32)
            d = clampTo(d, 32, s, tw, s);
        return tw < 32 ? truncV(d, tw) : d;
    }
    case Op::OpFConvert:
        if (fw == 32 && tw == 32)
            return a;
        if (fw == 16 && tw == 32)
            return halfToFloat(a);
        if (fw == 32 && tw == 16) {
            if (rounding && *rounding != spv::FPRoundingMode::RTE)
                failAt(inst, "a conversion to half rounding other than to nearest even (libclc's vstore_half_rtz "
                             "and the like round in float first)");
            return floatToHalf(a);
        }
        failAt(inst, "OpFConvert between float widths (no double in ISA v2)");
    default:
        break;
    }
    (void)from;
    (void)to;
    failAt(inst, fmt::format("unsupported conversion {}", opName(inst.op)));
}

// ================================================================ values

Val Lowering::constVal(Id id)
{
    const Inst& c = m_.constants.at(id);
    Val v;
    switch (c.op) {
    case Op::OpConstantComposite:
    case Op::OpSpecConstantComposite:
        for (Id part : c.operands) {
            const Val& pv = val(part);
            v.comps.insert(v.comps.end(), pv.comps.begin(), pv.comps.end());
        }
        return v;
    case Op::OpConstantNull:
    case Op::OpUndef:
        v.comps.assign(leafCount(c.type), Opnd::i(0));
        return v;
    default:
        // A half constant is its 16 bits, as half values are (halfToFloat()).
        if (isFloat(c.type) && type(c.type).width != 32 && type(c.type).width != 16)
            failAt(c, fmt::format("a {}-bit float constant (ISA v2 has float32 only)", type(c.type).width));
        v.comps.push_back(Opnd::i(constU64(id)));
        return v;
    }
}

Val Lowering::globalVal(Id id)
{
    const Inst& g = m_.globals.at(id);
    auto sc = static_cast<spv::StorageClass>(g.operands[0]);
    Val v;
    switch (sc) {
    case spv::StorageClass::Input: {
        auto d = m_.decorations.find(id);
        if (d == m_.decorations.end() || !d->second.builtIn)
            failAt(g, "an Input variable that is not a built-in");
        v.kind = ValKind::Builtin;
        v.var = static_cast<Id>(*d->second.builtIn);
        return v;
    }
    case spv::StorageClass::PushConstant:
        v.kind = ValKind::PushConst;
        v.var = id;
        v.leaf = ~0u;
        return v;
    case spv::StorageClass::Workgroup: {
        if (!ldsOffset_.count(id)) {
            Id pointee = type(g.type).element;
            std::uint64_t a = std::max<std::uint64_t>(alignOf(pointee), 8);
            ldsBytes_ = (ldsBytes_ + a - 1) / a * a;
            ldsOffset_[id] = ldsBytes_;
            ldsBytes_ += sizeOf(pointee);
            if (ldsBytes_ > VSVM_ISA_LDS_BYTES)
                failAt(g, fmt::format("workgroup memory of {} bytes: the LDS has {}", ldsBytes_, VSVM_ISA_LDS_BYTES));
        }
        v.comps.push_back(Opnd::i(ldsOffset_[id]));
        return v;
    }
    case spv::StorageClass::Private:
    case spv::StorageClass::Function: {
        if (!funcVars_.count(id)) {
            std::vector<Opnd> regs;
            for (std::uint32_t i = 0; i < leafCount(type(g.type).element); i++)
                regs.push_back(Opnd::r(newReg(true, true)));
            funcVars_[id] = regs;
        }
        v.kind = ValKind::FuncVar;
        v.var = id;
        return v;
    }
    case spv::StorageClass::UniformConstant: {
        // OpenCL C puts program-scope __constant data here (GLSL, images
        // and samplers): the launch block points to the kernel's copy.
        if (!launch_)
            failAt(g, "program-scope __constant data (a __constant array, a string literal) needs the launch block "
                      "of OpenCL kernels (cc.h)");
        if (g.operands.size() < 2)
            failAt(g, "a UniformConstant variable without an initializer (an image, a sampler)");
        if (!constOffset_.count(id)) {
            Id pointee = type(g.type).element;
            std::uint64_t a = std::max<std::uint64_t>(alignOf(pointee), 8);
            std::uint64_t at = (constData_.size() + a - 1) / a * a;
            std::uint64_t bytes = sizeOf(pointee);
            if (at + bytes > (std::uint64_t{1} << 30))
                failAt(g, "more than 1 GiB of __constant data");
            constData_.resize(at + bytes, 0);
            std::vector<std::pair<Id, std::uint64_t>> ls;
            leaves(pointee, at, ls);
            std::vector<Opnd> init = val(g.operands[1]).comps;
            if (init.size() != ls.size())
                failAt(g, "internal: a __constant initializer that does not match its type");
            for (std::size_t i = 0; i < ls.size(); i++) {
                if (!init[i].isImm())
                    failAt(g, "a __constant initializer that is not a constant");
                unsigned w = type(ls[i].first).kind == TypeKind::Bool ? 8 : scalarWidth(ls[i].first);
                std::uint64_t bits = init[i].imm;
                for (unsigned b = 0; b < w / 8; b++)
                    constData_[ls[i].second + b] = static_cast<std::uint8_t>(bits >> (8 * b));
            }
            constOffset_[id] = at;
        }
        v.comps.push_back(constAddress(id));
        return v;
    }
    case spv::StorageClass::StorageBuffer:
    case spv::StorageClass::Uniform:
        failAt(g, fmt::format("a descriptor-bound buffer (storage class {}) is not supported: vsvm has no "
                              "descriptors; pass GL_EXT_buffer_reference pointers in push constants",
                              storageName(sc)));
    default:
        failAt(g, fmt::format("a variable in storage class {} (only Workgroup, PushConstant, Input built-ins, "
                              "Function and Private are supported; use buffer_reference for buffers)",
                              storageName(sc)));
    }
}

const Val& Lowering::val(Id id)
{
    if (auto bp = blockParams_.find(id); bp != blockParams_.end()) {
        // Loaded again at every use: a kernel with many arguments keeps
        // none of them live in the scalar registers, which are not spilled.
        std::uint32_t first = bp->second.word;
        setRegs(id, paramComps(bp->second.type,
                               [&](std::uint32_t i) { return launchWord(kLaunchArgs + 8 * (first + i)); }));
        return vals_.at(id);
    }
    if (constOffset_.count(id)) {
        // Computed again at every use, as the launch block's arguments.
        setRegs(id, {constAddress(id)});
        return vals_.at(id);
    }
    auto it = vals_.find(id);
    if (it != vals_.end())
        return it->second;
    if (m_.constants.count(id))
        return vals_[id] = constVal(id);
    if (m_.globals.count(id))
        return vals_[id] = globalVal(id);
    fail(fmt::format("internal: value %{} used before it is defined", id));
}

Opnd Lowering::one(Id id)
{
    const Val& v = val(id);
    if (v.kind != ValKind::Regs || v.comps.size() != 1)
        fail(fmt::format("internal: %{} is not a scalar value", id));
    return v.comps[0];
}

Opnd Lowering::builtinComp(spv::BuiltIn b, std::uint32_t comp, const Inst& inst)
{
    static const char* kXyz[] = {"x", "y", "z"};
    (void)kXyz;
    if (comp > 2)
        failAt(inst, "built-in component out of range");
    switch (b) {
    case spv::BuiltIn::GlobalInvocationId:
        if (launch_)
            return vop2("v_add_u64", Opnd::p(fmt::format("v{}", comp)), launchWord(kLaunchGlobalOffset + 8 * comp),
                        64);
        return Opnd::p(fmt::format("v{}", comp));
    case spv::BuiltIn::LocalInvocationId:
        return Opnd::p(fmt::format("v{}", 3 + comp));
    case spv::BuiltIn::LocalInvocationIndex:
        return Opnd::p("v6");
    case spv::BuiltIn::WorkgroupId:
        return Opnd::p(fmt::format("s{}", 16 + comp));
    case spv::BuiltIn::WorkgroupSize:
    case spv::BuiltIn::EnqueuedWorkgroupSize:
        return Opnd::p(fmt::format("s{}", 19 + comp));
    case spv::BuiltIn::NumWorkgroups:
        return Opnd::p(fmt::format("s{}", 22 + comp));
    case spv::BuiltIn::GlobalSize: {
        Opnd d = newS();
        emit("s_mul", {d, Opnd::p(fmt::format("s{}", 19 + comp)), Opnd::p(fmt::format("s{}", 22 + comp))});
        return d;
    }
    case spv::BuiltIn::GlobalOffset:
        // Without a launch block the caller has no way to give an offset.
        return launch_ ? launchWord(kLaunchGlobalOffset + 8 * comp) : Opnd::i(0);
    case spv::BuiltIn::WorkDim:
        // A dispatch is always 3-D to the device; the number of dimensions
        // the host gave (clEnqueueNDRangeKernel's work_dim) reaches the
        // kernel only in the launch block, and 3 would be wrong for most
        // launches.
        if (launch_)
            return launchWord(kLaunchWorkDim);
        failAt(inst, "get_work_dim() is not supported: the launch's number of dimensions does not reach the "
                     "kernel (it needs the launch block, cc::Options::launchBlock)");
    default:
        failAt(inst, fmt::format("built-in {} is not supported", builtinName(b)));
    }
}

// The address of the __constant variable @p id: the kernel's copy of its
// constant data (launch block) plus the variable's offset.
Opnd Lowering::constAddress(Id id)
{
    Opnd base = launchWord(kLaunchConstants);
    std::uint64_t offset = constOffset_.at(id);
    if (!offset)
        return base;
    Opnd d = newS();
    emit("s_add", {d, base, Opnd::i(offset)});
    return d;
}

Opnd Lowering::launchWord(std::uint64_t offset)
{
    Opnd d = newS();
    emit("s_load_u64", {d, launchArg_, Opnd::i(offset)});
    return d;
}

std::vector<Opnd> Lowering::paramComps(Id t, const std::function<Opnd(std::uint32_t)>& word)
{
    const Type& ty = type(t);
    if (ty.kind != TypeKind::Vector) {
        Opnd arg = word(0);
        // Integers narrower than 64 bits are kept zero-extended in registers.
        if ((ty.kind == TypeKind::Int && ty.width < 64) || ty.kind == TypeKind::Bool)
            return {truncS(arg, ty.kind == TypeKind::Bool ? 1 : ty.width)};
        Opnd d = newS();
        emit("s_mov", {d, arg});
        return {d};
    }
    // A vector by value: its bytes as in memory, 8 to a word, each
    // component shifted out of its word.
    unsigned w = type(ty.element).width;
    std::map<std::uint64_t, Opnd> words;
    std::vector<Opnd> comps;
    for (std::uint64_t i = 0; i < ty.count; i++) {
        std::uint64_t at = i * w / 8;
        auto known = words.find(at / 8);
        if (known == words.end())
            known = words.emplace(at / 8, word(static_cast<std::uint32_t>(at / 8))).first;
        Opnd v = known->second;
        unsigned shift = static_cast<unsigned>(at % 8) * 8;
        if (shift) {
            Opnd shifted = newS();
            emit("s_shr", {shifted, v, Opnd::i(shift)});
            v = shifted;
        }
        if (w >= 64) {
            Opnd d = newS();
            emit("s_mov", {d, v});
            v = d;
        } else {
            v = truncS(v, w);
        }
        comps.push_back(v);
    }
    return comps;
}

// ================================================================ instructions

void Lowering::lowerAccessChain(const Inst& inst)
{
    const Val& base = val(inst.operands[0]);
    bool ptrChain = inst.op == Op::OpPtrAccessChain || inst.op == Op::OpInBoundsPtrAccessChain;
    Id baseType = type(defs_.count(inst.operands[0]) ? defs_[inst.operands[0]]->type
                                                     : (m_.globals.count(inst.operands[0])
                                                            ? m_.globals.at(inst.operands[0]).type
                                                            : 0))
                      .element;
    std::vector<Id> indices(inst.operands.begin() + 1, inst.operands.end());

    if (base.kind != ValKind::Regs) {
        // Variables that live in registers: the indices must be constants.
        std::vector<std::uint32_t> literal;
        for (std::size_t i = 0; i < indices.size(); i++) {
            if (!m_.constants.count(indices[i]))
                failAt(inst, "a private variable indexed with a non-constant index (private arrays in memory "
                             "are not supported)");
            if (ptrChain && i == 0) {
                if (constU64(indices[i]) != 0)
                    failAt(inst, "pointer arithmetic on a private variable");
                continue;
            }
            literal.push_back(static_cast<std::uint32_t>(constU64(indices[i])));
        }
        Val v = base;
        if (base.kind == ValKind::PushConst) {
            if (literal.size() != 1)
                failAt(inst, "push constants: only direct members of the block can be read");
            v.leaf = literal[0];
        } else {
            v.leaf = base.leaf + leafIndex(baseType, literal, nullptr);
        }
        vals_[inst.result] = v;
        return;
    }

    bool uniform = !varying(inst.result) && !isVector(base.comps[0]);
    Opnd addr = base.comps[0];
    std::uint64_t constOffset = 0;
    Id t = baseType;
    auto addScaled = [&](Id indexId, std::uint64_t stride) {
        Opnd idx = val(indexId).comps[0];
        unsigned w = scalarWidth(defs_.count(indexId) ? defs_[indexId]->type : m_.constants.at(indexId).type);
        if (idx.isImm()) {
            std::int64_t i = w >= 64 ? static_cast<std::int64_t>(idx.imm)
                                     : static_cast<std::int64_t>(idx.imm << (64 - w)) >> (64 - w);
            constOffset += static_cast<std::uint64_t>(i) * stride;
            return;
        }
        Opnd scaled;
        if (uniform) {
            Opnd wideIdx = sextS(idx, w);
            scaled = newS();
            emit("s_mul", {scaled, wideIdx, Opnd::i(stride)});
            Opnd sum = newS();
            emit("s_add", {sum, lit(addr, 64), scaled});
            addr = sum;
        } else {
            Opnd wideIdx = w >= 64 ? idx : vop1("v_cvt_i64_i32", sextV32(idx, w));
            if (std::has_single_bit(stride))
                scaled = vop2("v_shl_b64", wideIdx, Opnd::i(static_cast<std::uint64_t>(std::countr_zero(stride))), 64);
            else
                scaled = vop2("v_mul_u64", wideIdx, lit(Opnd::i(stride), 64), 64);
            addr = vop2("v_add_u64", lit(addr, 64), scaled, 64);
        }
    };
    for (std::size_t i = 0; i < indices.size(); i++) {
        if (ptrChain && i == 0) {
            // Element of the pointee type itself.
            std::uint64_t stride = sizeOf(t);
            auto d = m_.decorations.find(defs_.count(inst.operands[0]) ? defs_[inst.operands[0]]->type : 0);
            if (d != m_.decorations.end() && d->second.arrayStride)
                stride = *d->second.arrayStride;
            addScaled(indices[i], stride);
            continue;
        }
        const Type& ty = type(t);
        if (ty.kind == TypeKind::Struct) {
            auto member = static_cast<std::uint32_t>(constU64(indices[i]));
            constOffset += memberOffset(t, member);
            t = ty.members.at(member);
        } else if (ty.kind == TypeKind::Array || ty.kind == TypeKind::RuntimeArray) {
            addScaled(indices[i], arrayStride(t));
            t = ty.element;
        } else if (ty.kind == TypeKind::Vector) {
            addScaled(indices[i], sizeOf(ty.element));
            t = ty.element;
        } else {
            failAt(inst, "access chain into a scalar");
        }
    }
    if (constOffset) {
        if (addr.isImm()) {
            addr = Opnd::i(addr.imm + constOffset);
        } else if (uniform || !isVector(addr)) {
            if (uniform) {
                Opnd d = newS();
                emit("s_add", {d, addr, lit(Opnd::i(constOffset), 64)});
                addr = d;
            } else {
                addr = vop2("v_add_u64", addr, lit(Opnd::i(constOffset), 64), 64);
            }
        } else {
            addr = vop2("v_add_u64", addr, lit(Opnd::i(constOffset), 64), 64);
        }
    }
    setRegs(inst.result, {addr});
}

void Lowering::memAccess(bool store, spv::StorageClass sc, const Opnd& addr, Id t, std::vector<Opnd>* values,
                         Opnd* dst0)
{
    bool lds = sc == spv::StorageClass::Workgroup;
    // UniformConstant here is memory a __constant pointer parameter points
    // to (program-scope __constant variables fail in globalVal()): global
    // memory the kernel only reads.
    if (sc == spv::StorageClass::UniformConstant && store)
        fail("a store to __constant memory");
    if (!lds && sc != spv::StorageClass::CrossWorkgroup && sc != spv::StorageClass::PhysicalStorageBuffer &&
        sc != spv::StorageClass::Generic && sc != spv::StorageClass::Function && sc != spv::StorageClass::Private &&
        sc != spv::StorageClass::UniformConstant)
        fail(fmt::format("memory access in storage class {} is not supported", storageName(sc)));
    std::vector<std::pair<Id, std::uint64_t>> ls;
    leaves(t, 0, ls);
    Opnd base = addr.isImm() ? toScalar(addr) : addr;
    std::string prefix = lds ? "v_lds_" : "v_";
    for (std::size_t i = 0; i < ls.size(); i++) {
        auto [lt, off] = ls[i];
        unsigned w = type(lt).kind == TypeKind::Bool ? 8 : scalarWidth(lt);
        if (isFloat(lt) && w != 32 && w != 16)
            fail("a float that is not 32-bit in memory (ISA v2 has float32 only)");
        if (store) {
            Opnd v = notLit((*values)[i]);
            emit(fmt::format("{}store_b{}", prefix, w), {base, v, Opnd::i(off)});
        } else {
            Opnd d = newV();
            emit(fmt::format("{}load_u{}", prefix, w), {d, base, Opnd::i(off)});
            (*values).push_back(d);
            if (dst0 && i == 0)
                *dst0 = d;
        }
    }
}

void Lowering::lowerLoad(const Inst& inst)
{
    Id ptr = inst.operands[0];
    const Val& p = val(ptr);
    switch (p.kind) {
    case ValKind::Builtin: {
        std::vector<Opnd> comps;
        std::uint32_t n = leafCount(inst.type);
        for (std::uint32_t i = 0; i < n; i++)
            comps.push_back(builtinComp(static_cast<spv::BuiltIn>(p.var), p.leaf + i, inst));
        setRegs(inst.result, comps);
        return;
    }
    case ValKind::PushConst: {
        if (p.leaf == ~0u)
            failAt(inst, "loading the whole push-constant block (load its members)");
        if (p.leaf >= pushConstRegs_.size())
            failAt(inst, "push-constant member past the kernel's arguments");
        setRegs(inst.result, {Opnd::r(pushConstRegs_[p.leaf])});
        return;
    }
    case ValKind::FuncVar: {
        const auto& regs = funcVars_.at(p.var);
        std::uint32_t n = leafCount(inst.type);
        std::vector<Opnd> comps;
        for (std::uint32_t i = 0; i < n; i++) {
            // A copy: the variable may be written again while this value lives.
            Opnd d = newV();
            emit("v_mov", {d, regs.at(p.leaf + i)});
            comps.push_back(d);
        }
        setRegs(inst.result, comps);
        return;
    }
    case ValKind::Regs:
        break;
    }
    Id ptrType = defs_.count(ptr) ? defs_[ptr]->type : m_.globals.count(ptr) ? m_.globals.at(ptr).type : 0;
    std::vector<Opnd> values;
    memAccess(false, type(ptrType).storage, p.comps[0], inst.type, &values, nullptr);
    setRegs(inst.result, values);
}

void Lowering::lowerStore(const Inst& inst)
{
    Id ptr = inst.operands[0];
    const Val& p = val(ptr);
    std::vector<Opnd> values = val(inst.operands[1]).comps;
    switch (p.kind) {
    case ValKind::FuncVar: {
        const auto& regs = funcVars_.at(p.var);
        for (std::size_t i = 0; i < values.size(); i++)
            emit("v_mov", {regs.at(p.leaf + i), lit(values[i], 64)});
        return;
    }
    case ValKind::Regs:
        break;
    default:
        failAt(inst, "a store to a built-in or push constant");
    }
    Id ptrType = defs_.count(ptr) ? defs_[ptr]->type : m_.globals.count(ptr) ? m_.globals.at(ptr).type : 0;
    Id valueType = defs_.count(inst.operands[1]) ? defs_[inst.operands[1]]->type
                                                 : m_.constants.at(inst.operands[1]).type;
    memAccess(true, type(ptrType).storage, p.comps[0], valueType, &values, nullptr);
}

// OpCopyMemory (the target's pointee type) and OpCopyMemorySized (a
// constant number of bytes: struct assignments, memcpy): the bytes go in
// the widest pieces the alignment operand allows, each loaded and stored.
// Both pointers must be addresses: private variables copied this way live
// in memory (layoutPrivateMemory()).
void Lowering::lowerCopyMemory(const Inst& inst)
{
    const auto& o = inst.operands;
    bool sized = inst.op == Op::OpCopyMemorySized;
    auto pointer = [&](Id id) -> std::pair<Opnd, spv::StorageClass> {
        const Val& v = val(id);
        if (v.kind != ValKind::Regs)
            failAt(inst, "a memory copy to or from a built-in, push constant or register variable");
        Id t = defs_.count(id) ? defs_[id]->type : m_.globals.count(id) ? m_.globals.at(id).type : 0;
        if (!t)
            failAt(inst, "internal: a memory copy through a pointer of unknown type");
        return {v.comps.at(0), type(t).storage};
    };
    auto [dst, dstClass] = pointer(o[0]);
    auto [src, srcClass] = pointer(o[1]);
    std::uint64_t size = 0, align = 1;
    std::size_t maskAt = 2;
    if (sized) {
        if (!m_.constants.count(o[2]))
            failAt(inst, "OpCopyMemorySized with a size that is not a constant");
        size = constU64(o[2]);
        maskAt = 3;
    } else {
        Id t = defs_.count(o[0]) ? defs_[o[0]]->type : m_.globals.at(o[0]).type;
        Id pointee = type(t).element;
        size = sizeOf(pointee);
        align = alignOf(pointee);
    }
    // Memory operands: the first set applies to the target (and, without a
    // second set, to both); Aligned (0x2) is followed by the alignment.
    if (o.size() > maskAt && (o[maskAt] & 0x2) && o.size() > maskAt + 1)
        align = std::max<std::uint64_t>(align, o[maskAt + 1]);
    if (size > 4096)
        failAt(inst, fmt::format("a memory copy of {} bytes (at most 4096 are copied inline)", size));
    bool ldsDst = dstClass == spv::StorageClass::Workgroup, ldsSrc = srcClass == spv::StorageClass::Workgroup;
    if (dstClass == spv::StorageClass::UniformConstant)
        failAt(inst, "a copy to __constant memory");
    copyBytes(dst, ldsDst, src, ldsSrc, size, align);
}

// @p size bytes from @p from to @p to, in the widest pieces @p align allows.
void Lowering::copyBytes(const Opnd& to, bool ldsTo, const Opnd& from, bool ldsFrom, std::uint64_t size,
                         std::uint64_t align)
{
    Opnd t = to.isImm() ? toScalar(to) : to, f = from.isImm() ? toScalar(from) : from;
    for (std::uint64_t at = 0; at < size;) {
        unsigned piece = 8;
        while (piece > 1 && (piece > align || at % piece || size - at < piece))
            piece /= 2;
        Opnd d = newV();
        emit(fmt::format("{}load_u{}", ldsFrom ? "v_lds_" : "v_", piece * 8), {d, f, Opnd::i(at)});
        emit(fmt::format("{}store_b{}", ldsTo ? "v_lds_" : "v_", piece * 8), {t, d, Opnd::i(at)});
        at += piece;
    }
}

void Lowering::lowerAtomic(const Inst& inst)
{
    Id ptr = inst.operands[0];
    const Val& p = val(ptr);
    if (p.kind != ValKind::Regs)
        failAt(inst, "an atomic on a private variable");
    Id ptrType = defs_.count(ptr) ? defs_[ptr]->type : m_.globals.at(ptr).type;
    spv::StorageClass sc = type(ptrType).storage;
    bool lds = sc == spv::StorageClass::Workgroup;
    Id valueType = type(ptrType).element;
    // A float is its bits: loads, stores and exchanges move them as an
    // integer would (OpenCL's atomic_xchg on float). There is no float
    // arithmetic in the device's atomics.
    if (isFloat(valueType) && inst.op != Op::OpAtomicLoad && inst.op != Op::OpAtomicStore &&
        inst.op != Op::OpAtomicExchange && inst.op != Op::OpAtomicCompareExchange)
        failAt(inst, "float atomics other than load, store and exchange are not supported");
    unsigned w = scalarWidth(valueType);
    if (w != 32 && w != 64)
        failAt(inst, fmt::format("{}-bit atomics are not supported", w));
    Opnd addr = toScalar(p.comps[0]);

    if (inst.op == Op::OpAtomicLoad) {
        std::vector<Opnd> values;
        memAccess(false, sc, addr, valueType, &values, nullptr);
        setRegs(inst.result, values);
        return;
    }
    if (inst.op == Op::OpAtomicStore) {
        std::vector<Opnd> values = val(inst.operands[3]).comps;
        memAccess(true, sc, addr, valueType, &values, nullptr);
        return;
    }
    const char* op = nullptr;
    Opnd value;
    Opnd d = newV();
    switch (inst.op) {
    case Op::OpAtomicIAdd:
        op = "add", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicISub: {
        op = "add";
        value = vop2(w == 64 ? "v_sub_u64" : "v_sub_u32", Opnd::i(0), one(inst.operands[3]), w);
        break;
    }
    case Op::OpAtomicIIncrement:
        op = "add", value = Opnd::i(1);
        break;
    case Op::OpAtomicIDecrement:
        op = "add", value = Opnd::i(~0ull);
        break;
    case Op::OpAtomicSMin:
        op = "min_i", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicSMax:
        op = "max_i", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicUMin:
        op = "min_u", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicUMax:
        op = "max_u", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicAnd:
        op = "and", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicOr:
        op = "or", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicXor:
        op = "xor", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicExchange:
        op = "xchg", value = one(inst.operands[3]);
        break;
    case Op::OpAtomicCompareExchange:
        op = "cmpxchg", value = one(inst.operands[4]);
        emit("v_mov", {d, lit(one(inst.operands[5]), 64)});
        break;
    default:
        failAt(inst, fmt::format("atomic {} is not supported", opName(inst.op)));
    }
    // 32-bit signed min/max compare the low 32 bits as signed: the operand's
    // upper bits do not matter to the device.
    emit(fmt::format("{}atomic_{}_b{}", lds ? "v_lds_" : "v_", op, w), {d, addr, toScalar(value)});
    setRegs(inst.result, {d});
}

// ================================================================ printf

Id Lowering::valueType(Id id) const
{
    if (auto d = defs_.find(id); d != defs_.end())
        return d->second->type;
    if (auto c = m_.constants.find(id); c != m_.constants.end())
        return c->second.type;
    if (auto g = m_.globals.find(id); g != m_.globals.end())
        return g->second.type;
    for (const Inst& p : f_->params)
        if (p.result == id)
            return p.type;
    return 0;
}

// C promotes a float passed to a variadic function to double, and printf
// is one: those doubles (a float converted, or a double constant) are the
// only ones the back end takes, as arguments of printf, which records them
// without computing on them. True when every double of the module is one.
bool Lowering::doublesOnlyForPrintf() const
{
    auto isDouble = [&](Id t) {
        auto it = m_.types.find(t);
        return it != m_.types.end() && it->second.kind == TypeKind::Float && it->second.width == 64;
    };
    for (const auto& [id, t] : m_.types)
        if (t.kind != TypeKind::Float && t.kind != TypeKind::Function && t.kind != TypeKind::Struct &&
            isDouble(t.element))
            return false; // a vector of, pointer to, array of doubles
    std::unordered_set<Id> doubles;
    for (const auto& [id, c] : m_.constants)
        if (isDouble(c.type))
            doubles.insert(id);
    for (const auto& [id, g] : m_.globals)
        if (isDouble(type(g.type).element))
            return false;
    for (const Function& fn : m_.functions) {
        for (const Inst& p : fn.params)
            if (isDouble(p.type))
                return false;
        for (const Block& b : fn.blocks)
            for (const Inst& inst : b.body) {
                if (!inst.result || !isDouble(inst.type))
                    continue;
                if (inst.op != Op::OpFConvert)
                    return false;
                doubles.insert(inst.result);
            }
    }
    for (const Function& fn : m_.functions)
        for (const Block& b : fn.blocks)
            for (const Inst& inst : b.body) {
                const auto& o = inst.operands;
                bool isPrintf = inst.op == Op::OpExtInst && o.size() > 2 && m_.extInstSets.count(o[0]) &&
                                m_.extInstSets.at(o[0]) == "OpenCL.std" && o[1] == OpenCLLIB::Printf;
                for (std::size_t k = 0; k < o.size(); k++)
                    if (doubles.count(o[k]) && !(isPrintf && k >= 3))
                        return false;
            }
    return true;
}

// The format string of a printf: the string literal (a UniformConstant
// variable with a constant initializer) that @p pointer points to the start of.
std::string Lowering::printfFormat(const Inst& inst, Id pointer)
{
    Id id = pointer;
    for (;;) {
        auto d = defs_.find(id);
        const Inst* def = d != defs_.end() ? d->second : nullptr;
        if (!def) {
            if (auto c = m_.constants.find(id); c != m_.constants.end() && c->second.op == Op::OpSpecConstantOp)
                def = &c->second;
            else
                break;
        }
        bool chain = def->op == Op::OpAccessChain || def->op == Op::OpInBoundsAccessChain ||
                     def->op == Op::OpPtrAccessChain || def->op == Op::OpInBoundsPtrAccessChain;
        if (!chain && def->op != Op::OpBitcast && def->op != Op::OpCopyObject && def->op != Op::OpPtrCastToGeneric)
            break;
        if (chain)
            for (std::size_t k = 1; k < def->operands.size(); k++)
                if (!m_.constants.count(def->operands[k]) || constU64(def->operands[k]) != 0)
                    failAt(inst, "printf's format is not the start of a string literal");
        id = def->operands[0];
    }
    auto g = m_.globals.find(id);
    if (g == m_.globals.end() || static_cast<spv::StorageClass>(g->second.operands[0]) !=
                                     spv::StorageClass::UniformConstant || g->second.operands.size() < 2)
        failAt(inst, "printf's format is not a string literal (OpenCL C requires one)");
    std::string text;
    for (const Opnd& c : val(g->second.operands[1]).comps) {
        if (!c.isImm())
            failAt(inst, "printf's format is not a constant string");
        if ((c.imm & 0xff) == 0)
            break;
        text += static_cast<char>(c.imm & 0xff);
    }
    return text;
}

// How printf argument @p arg is recorded; its words (one per scalar
// component) go to @p words.
PrintfArg Lowering::printfArg(const Inst& inst, Id arg, std::vector<Opnd>& words)
{
    Id t = valueType(arg);
    if (!t)
        failAt(inst, "internal: a printf argument of unknown type");
    const Type& ty = type(scalarOf(t));
    PrintfArg desc;
    if (ty.kind == TypeKind::Float && ty.width == 64) {
        if (m_.constants.count(arg)) {
            words.push_back(Opnd::i(constU64(arg)));
            return {PrintfArg::Kind::Float, 64, 1};
        }
        // A float promoted to double: the float (lowerInst()).
        words.push_back(one(arg));
        return {PrintfArg::Kind::Float, 32, 1};
    }
    const Val& v = val(arg);
    if (v.kind != ValKind::Regs)
        failAt(inst, "a printf argument that is a pointer to a private variable, built-in or push constant");
    if (ty.kind == TypeKind::Float && ty.width != 32)
        failAt(inst, fmt::format("a {}-bit float printf argument is not supported", ty.width));
    desc.kind = ty.kind == TypeKind::Pointer ? PrintfArg::Kind::Pointer
                : ty.kind == TypeKind::Float ? PrintfArg::Kind::Float
                                             : PrintfArg::Kind::Int;
    desc.bits = static_cast<std::uint8_t>(ty.kind == TypeKind::Bool ? 32 : scalarWidth(scalarOf(t)));
    desc.components = static_cast<std::uint8_t>(v.comps.size());
    if (v.comps.size() != leafCount(t) || v.comps.empty() || v.comps.size() > 16)
        failAt(inst, "a printf argument that is not a scalar or vector");
    words.insert(words.end(), v.comps.begin(), v.comps.end());
    return desc;
}

// OpenCL C printf (cc.h, "printf"): each active lane reserves its record in
// the launch's printf buffer with an atomic add and, when it fits, writes
// it with exec narrowed to the lanes whose record fits; the others count
// themselves lost. Nothing is computed while exec is narrowed, so the
// values every lane stores are ready before.
void Lowering::lowerPrintf(const Inst& inst)
{
    if (!launch_)
        failAt(inst, "printf needs the launch block of OpenCL kernels (cc.h)");
    const auto& o = inst.operands;
    if (o.size() < 3)
        failAt(inst, "printf without a format");
    PrintfFormat format;
    format.format = printfFormat(inst, o[2]);
    std::vector<Opnd> words;
    for (std::size_t k = 3; k < o.size(); k++)
        format.args.push_back(printfArg(inst, o[k], words));
    std::uint64_t index = printfFormats_.size();
    std::uint64_t bytes = 8 * (1 + words.size());
    printfFormats_.push_back(std::move(format));

    Opnd buffer = launchWord(kLaunchPrintf);
    Opnd capacity = newS();
    emit("s_load_u64", {capacity, buffer, Opnd::i(kPrintfCapacity)});
    Opnd old = newV();
    emit("v_atomic_add_b64", {old, buffer, toScalar(Opnd::i(bytes)), Opnd::i(kPrintfUsed)});
    Opnd fits = newS();
    emit("v_cmp_le_u64", {fits, vop2("v_add_u64", old, Opnd::i(bytes), 64), capacity});
    Opnd record = vop2("v_add_u64", old, buffer, 64);
    std::vector<Opnd> stored{toScalar(Opnd::i(index | bytes << 32))};
    for (const Opnd& w : words)
        stored.push_back(notLit(w));
    Opnd increment = toScalar(Opnd::i(1));

    Opnd active = newS();
    emit("s_mov", {active, Opnd::p("exec")});
    emit("s_mov", {Opnd::p("exec"), fits});
    for (std::size_t i = 0; i < stored.size(); i++)
        emit("v_store_b64", {record, stored[i], Opnd::i(kPrintfRecords + 8 * i)});
    emit("s_andn2", {Opnd::p("exec"), active, fits});
    emit("v_atomic_add_b64", {newV(), buffer, increment, Opnd::i(kPrintfLost)});
    emit("s_mov", {Opnd::p("exec"), active});
    setRegs(inst.result, {pick(fits, Opnd::i(0), Opnd::i(0xffffffff))});
}

// The OpenCL.std builtins that libclc's SPIR-V library leaves to the SPIR-V
// consumer (it has no add_sat, hadd, upsample, shuffle, ...), expanded into
// existing ISA instructions component by component. Integers of 32 bits and
// less are worked on as exact 64-bit values (sign- or zero-extended) and cut
// back to their width at the end; 64-bit ones need the carries and overflows
// spelt out. Returns false for the instructions lowerExtInst() handles.
bool Lowering::lowerOpenclBuiltin(const Inst& inst, std::uint32_t number)
{
    using E = OpenCLLIB::Entrypoints;
    const auto e = static_cast<E>(number);
    const std::vector<Id> args(inst.operands.begin() + 2, inst.operands.end());
    const Id rt = scalarOf(inst.type);
    const unsigned w = scalarWidth(rt);
    const bool fl = isFloat(rt);

    bool isSigned = false;
    switch (e) {
    case E::SAdd_sat: case E::SSub_sat: case E::SHadd: case E::SRhadd: case E::SMad_hi: case E::SMad_sat:
    case E::SAbs_diff: case E::S_Upsample: case E::SMul24: case E::SMad24:
        isSigned = true;
        break;
    case E::UAdd_sat: case E::USub_sat: case E::UHadd: case E::URhadd: case E::UMad_hi: case E::UMad_sat:
    case E::UAbs_diff: case E::U_Upsample: case E::UMul24: case E::UMad24:
    case E::Bitselect: case E::Select: case E::Shuffle: case E::Shuffle2:
    case E::Round: case E::Nextafter: case E::Minmag: case E::Maxmag: case E::Fdim: case E::Native_divide:
    case E::Native_recip:
        break;
    case E::SMul_hi:
        // 32- and 64-bit mul_hi are ISA instructions (lowerExtInst).
        if (w >= 32)
            return false;
        isSigned = true;
        break;
    case E::UMul_hi:
        if (w >= 32)
            return false;
        break;
    default:
        return false;
    }
    const bool floatOp = e == E::Round || e == E::Nextafter || e == E::Minmag || e == E::Maxmag || e == E::Fdim ||
                         e == E::Native_divide || e == E::Native_recip;
    if (floatOp != fl && e != E::Bitselect && e != E::Select && e != E::Shuffle && e != E::Shuffle2)
        failAt(inst, fmt::format("OpenCL.std {} on an operand of the wrong kind", extName(kOpenclStdNames, number)));
    if (fl && w != 32)
        failAt(inst, "extended instruction on a float that is not 32-bit");

    // Operand width: upsample's halves are half the result's width.
    const unsigned ow = e == E::S_Upsample || e == E::U_Upsample ? w / 2 : w;
    if ((e == E::S_Upsample || e == E::U_Upsample) && (w < 16 || w > 64))
        failAt(inst, fmt::format("upsample to a {}-bit integer", w));
    if ((e == E::SMul24 || e == E::UMul24 || e == E::SMad24 || e == E::UMad24) && w != 32)
        failAt(inst, fmt::format("{}-bit mul24/mad24 (OpenCL defines them on 32-bit integers)", w));
    const bool wide = ow > 32;
    const std::uint64_t mask = ow >= 64 ? ~0ull : (1ull << ow) - 1;
    const auto smax = static_cast<std::int64_t>(mask >> 1);
    const std::int64_t smin = -smax - 1;

    auto imm64 = [](std::int64_t v) { return Opnd::i(static_cast<std::uint64_t>(v)); };
    // The exact value of a narrow operand in 64 bits (registers hold them
    // zero-extended).
    auto ext = [&](const Opnd& a) {
        if (ow >= 64 || !isSigned)
            return a;
        return vop1("v_cvt_i64_i32", sextV32(a, ow), 32);
    };
    auto cut = [&](const Opnd& v) { return ow < 64 ? truncV(v, ow) : v; };
    auto clampSigned = [&](const Opnd& v) {
        return vop2("v_min_i64", vop2("v_max_i64", v, imm64(smin), 64), imm64(smax), 64);
    };
    // All ones for a negative @p v, else 0.
    auto signMask = [&](const Opnd& v) { return vop2("v_sar_i64", v, Opnd::i(63), 64); };
    // The saturated value on the side of @p sign's sign (64-bit).
    auto saturate = [&](const Opnd& sign) { return vop2("v_xor_b64", signMask(sign), imm64(smax), 64); };
    auto add = [&](const Opnd& a, const Opnd& b) { return vop2(wide ? "v_add_u64" : "v_add_u32", a, b, ow); };
    auto sub = [&](const Opnd& a, const Opnd& b) { return vop2(wide ? "v_sub_u64" : "v_sub_u32", a, b, ow); };
    auto cmp = [&](Op op, const Opnd& a, const Opnd& b) { return intCmp(op, wide ? 64 : 32, a, b, false); };
    auto sel = [&](const Opnd& c, const Opnd& t, const Opnd& f) { return select(c, t, f, false); };
    auto fcmp = [&](Op op, const Opnd& a, const Opnd& b) { return floatCmp(op, a, b); };
    auto fabsOf = [&](const Opnd& a) { return vop2("v_and_b32", a, Opnd::i(0x7fffffff)); };

    const std::uint32_t n = leafCount(inst.type);
    std::vector<Opnd> out;
    if (e == E::Shuffle || e == E::Shuffle2) {
        // Every result component picks one source component: directly for a
        // constant mask, else through a chain of selects.
        std::vector<Opnd> src = val(args.at(0)).comps;
        std::size_t maskArg = 1;
        if (e == E::Shuffle2) {
            const std::vector<Opnd>& second = val(args.at(1)).comps;
            src.insert(src.end(), second.begin(), second.end());
            maskArg = 2;
        }
        const std::vector<Opnd>& masks = val(args.at(maskArg)).comps;
        const std::size_t m = src.size();
        if (m == 0 || (m & (m - 1)) != 0 || masks.size() != n)
            failAt(inst, fmt::format("shuffle of {} components by {} mask components", m, masks.size()));
        for (std::uint32_t c = 0; c < n; c++) {
            if (masks[c].isImm()) {
                out.push_back(src.at(masks[c].imm & (m - 1)));
                continue;
            }
            Opnd index = vop2("v_and_b32", masks[c], Opnd::i(static_cast<std::uint32_t>(m - 1)));
            Opnd r = newV();
            emit("v_mov", {r, lit(src[0], 64)});
            for (std::size_t j = 1; j < m; j++)
                r = sel(intCmp(Op::OpIEqual, 32, index, Opnd::i(j), false), src[j], r);
            out.push_back(r);
        }
        setRegs(inst.result, out);
        return true;
    }

    for (std::uint32_t c = 0; c < n; c++) {
        auto arg = [&](std::size_t i) { return val(args.at(i)).comps.at(c); };
        Opnd r;
        switch (e) {
        case E::UAdd_sat:
            // min(a, ~b) + b never wraps.
            r = add(vop2(wide ? "v_min_u64" : "v_min_u32", arg(0),
                         vop2(wide ? "v_xor_b64" : "v_xor_b32", arg(1), Opnd::i(mask), ow), ow),
                    arg(1));
            break;
        case E::USub_sat:
            r = sub(vop2(wide ? "v_max_u64" : "v_max_u32", arg(0), arg(1), ow), arg(1));
            break;
        case E::SAdd_sat:
        case E::SSub_sat: {
            const bool isAdd = e == E::SAdd_sat;
            if (!wide) {
                r = cut(clampSigned(vop2(isAdd ? "v_add_u64" : "v_sub_u64", ext(arg(0)), ext(arg(1)), 64)));
                break;
            }
            Opnd a = arg(0), b = arg(1);
            Opnd s = isAdd ? add(a, b) : sub(a, b);
            // Overflow: the result's sign differs from both addends' (from
            // a's and not b's for a difference).
            Opnd t = isAdd ? vop2("v_and_b64", vop2("v_xor_b64", a, s, 64), vop2("v_xor_b64", b, s, 64), 64)
                           : vop2("v_and_b64", vop2("v_xor_b64", a, b, 64), vop2("v_xor_b64", a, s, 64), 64);
            r = sel(cmp(Op::OpSLessThan, t, Opnd::i(0)), saturate(a), s);
            break;
        }
        case E::SHadd:
        case E::UHadd:
        case E::SRhadd:
        case E::URhadd: {
            const bool round = e == E::SRhadd || e == E::URhadd;
            if (!wide) {
                Opnd s = vop2("v_add_u64", ext(arg(0)), ext(arg(1)), 64);
                if (round)
                    s = vop2("v_add_u64", s, Opnd::i(1), 64);
                r = cut(vop2("v_sar_i64", s, Opnd::i(1), 64));
                break;
            }
            // (a >> 1) + (b >> 1) + the carry of the low bits.
            const char* shift = isSigned ? "v_sar_i64" : "v_shr_b64";
            Opnd low = vop2(round ? "v_or_b64" : "v_and_b64", arg(0), arg(1), 64);
            r = add(add(vop2(shift, arg(0), Opnd::i(1), 64), vop2(shift, arg(1), Opnd::i(1), 64)),
                    vop2("v_and_b64", low, Opnd::i(1), 64));
            break;
        }
        case E::SMul_hi:
        case E::UMul_hi:
        case E::SMad_hi:
        case E::UMad_hi: {
            const bool mad = e == E::SMad_hi || e == E::UMad_hi;
            Opnd hi;
            if (ow < 32)
                hi = vop2("v_sar_i64", vop2("v_mul_u64", ext(arg(0)), ext(arg(1)), 64), Opnd::i(ow), 64);
            else if (ow == 32)
                hi = vop2(isSigned ? "v_mulhi_i32" : "v_mulhi_u32", arg(0), arg(1));
            else
                hi = vop2(isSigned ? "v_mulhi_i64" : "v_mulhi_u64", arg(0), arg(1), 64);
            r = cut(mad ? add(hi, arg(2)) : hi);
            break;
        }
        case E::SMad_sat:
        case E::UMad_sat: {
            Opnd a = arg(0), b = arg(1), d = arg(2);
            if (!wide && isSigned) {
                // |a * b| <= 2^62: exact, and so is the sum.
                Opnd p = vop2("v_mul_u64", ext(a), ext(b), 64);
                r = cut(clampSigned(vop2("v_add_u64", p, ext(d), 64)));
            } else if (!wide) {
                // (2^32 - 1)^2 + 2^32 - 1 < 2^64.
                Opnd p = vop2("v_mul_u64", a, b, 64);
                r = vop2("v_min_u64", vop2("v_add_u64", p, d, 64), Opnd::i(mask), 64);
            } else if (!isSigned) {
                Opnd hi = vop2("v_mulhi_u64", a, b, 64);
                Opnd s = vop2("v_add_u64", vop2("v_mul_u64", a, b, 64), d, 64);
                Opnd carry = cmp(Op::OpULessThan, s, d);
                Opnd over = cmp(Op::OpINotEqual, vop2("v_or_b64", hi, carry, 64), Opnd::i(0));
                r = sel(over, Opnd::i(~0ull), s);
            } else {
                // The 128-bit a * b + c, then whether it fits in 64 bits.
                Opnd hi = vop2("v_mulhi_i64", a, b, 64);
                Opnd lo = vop2("v_mul_u64", a, b, 64);
                Opnd s = vop2("v_add_u64", lo, d, 64);
                Opnd carry = cmp(Op::OpULessThan, s, lo);
                Opnd top = vop2("v_add_u64", vop2("v_add_u64", hi, carry, 64), signMask(d), 64);
                Opnd fits = cmp(Op::OpIEqual, top, signMask(s));
                r = sel(fits, s, saturate(top));
            }
            break;
        }
        case E::SAbs_diff:
        case E::UAbs_diff: {
            if (!wide) {
                Opnd d = vop2("v_sub_u64", ext(arg(0)), ext(arg(1)), 64);
                r = cut(vop2("v_max_i64", d, vop2("v_sub_u64", Opnd::i(0), d, 64), 64));
                break;
            }
            Opnd greater = cmp(isSigned ? Op::OpSGreaterThan : Op::OpUGreaterThan, arg(0), arg(1));
            r = sel(greater, sub(arg(0), arg(1)), sub(arg(1), arg(0)));
            break;
        }
        case E::S_Upsample:
        case E::U_Upsample:
            // lo is unsigned in both: hi's bits above lo's.
            r = vop2("v_or_b64", vop2("v_shl_b64", arg(0), Opnd::i(ow), 64), arg(1), 64);
            break;
        case E::SMul24:
        case E::UMul24:
        case E::SMad24:
        case E::UMad24: {
            // Within the 24-bit ranges OpenCL defines, the low 32 bits of the
            // full product are the result.
            r = vop2("v_mul_u32", arg(0), arg(1));
            if (e == E::SMad24 || e == E::UMad24)
                r = vop2("v_add_u32", r, arg(2));
            break;
        }
        case E::Bitselect: {
            const bool b64 = w > 32;
            r = vop2(b64 ? "v_xor_b64" : "v_xor_b32", arg(0),
                     vop2(b64 ? "v_and_b64" : "v_and_b32", vop2(b64 ? "v_xor_b64" : "v_xor_b32", arg(0), arg(1), w),
                          arg(2), w),
                     w);
            break;
        }
        case E::Select: {
            // Scalars select on c != 0, vector components on c's top bit.
            unsigned cw = fl ? 32 : w;
            Opnd cond = n == 1 && type(inst.type).kind != TypeKind::Vector
                            ? intCmp(Op::OpINotEqual, cw, arg(2), Opnd::i(0), false)
                            : intCmp(Op::OpSLessThan, cw, arg(2), Opnd::i(0), false);
            r = sel(cond, arg(1), arg(0));
            break;
        }
        case E::Round: {
            // Half-way cases away from zero: trunc, then one more when the
            // (exact) fraction is at least a half.
            Opnd x = arg(0);
            Opnd t = vop1("v_trunc_f32", x);
            Opnd half = fcmp(Op::OpFOrdGreaterThanEqual, fabsOf(vop2("v_sub_f32", x, t)), Opnd::i(0x3f000000));
            Opnd one = vop2("v_or_b32", vop2("v_and_b32", x, Opnd::i(0x80000000)), Opnd::i(0x3f800000));
            r = sel(half, vop2("v_add_f32", t, one), t);
            break;
        }
        case E::Fdim: {
            // x - y when x > y or either is NaN (the difference is NaN then), else +0.
            Opnd x = arg(0), y = arg(1);
            r = sel(fcmp(Op::OpFUnordGreaterThan, x, y), vop2("v_sub_f32", x, y), Opnd::i(0));
            break;
        }
        case E::Minmag:
        case E::Maxmag: {
            Opnd x = arg(0), y = arg(1);
            Opnd ax = fabsOf(x), ay = fabsOf(y);
            const Op order = e == E::Minmag ? Op::OpFOrdLessThan : Op::OpFOrdGreaterThan;
            Opnd tie = vop2(e == E::Minmag ? "v_min_f32" : "v_max_f32", x, y);
            r = sel(fcmp(order, ax, ay), x, sel(fcmp(order, ay, ax), y, tie));
            break;
        }
        case E::Nextafter: {
            // One step of the bit pattern: up in magnitude when y lies away
            // from zero beyond x, down otherwise; from zero, the smallest
            // subnormal with y's sign.
            Opnd x = arg(0), y = arg(1);
            Opnd up = vop2("v_xor_b32", fcmp(Op::OpFOrdLessThan, x, y), vop2("v_shr_b32", x, Opnd::i(31)));
            Opnd step = vop2("v_add_u32", x, vop2("v_sub_u32", vop2("v_shl_b32", up, Opnd::i(1)), Opnd::i(1)));
            Opnd fromZero = vop2("v_or_b32", vop2("v_and_b32", y, Opnd::i(0x80000000)), Opnd::i(1));
            r = sel(fcmp(Op::OpFOrdEqual, x, Opnd::i(0)), fromZero, step);
            r = sel(fcmp(Op::OpFOrdEqual, x, y), y, r);
            Opnd nan = vop2("v_or_b32", fcmp(Op::OpFUnordNotEqual, x, x), fcmp(Op::OpFUnordNotEqual, y, y));
            r = sel(nan, vop2("v_add_f32", x, y), r);
            break;
        }
        // The precise division is the ISA's only one.
        case E::Native_divide:
            r = vop2("v_div_f32", arg(0), arg(1));
            break;
        case E::Native_recip:
            r = vop2("v_div_f32", Opnd::i(0x3f800000), arg(0));
            break;
        default:
            failAt(inst, "internal: an OpenCL.std builtin without a lowering");
        }
        out.push_back(r);
    }
    setRegs(inst.result, out);
    return true;
}

void Lowering::lowerExtInst(const Inst& inst)
{
    const std::string& set = m_.extInstSets.at(inst.operands[0]);
    std::uint32_t number = inst.operands[1];
    std::vector<Id> args(inst.operands.begin() + 2, inst.operands.end());
    Id rt = scalarOf(inst.type);
    bool fl = isFloat(rt);
    unsigned w = scalarWidth(rt);
    if (fl && w != 32)
        failAt(inst, "extended instruction on a float that is not 32-bit");
    bool wide = w > 32;

    enum class K {
        Fabs, Sqrt, Rsqrt, Floor, Ceil, Trunc, Rint, Fma, Mad, Fmin, Fmax, Fclamp, Umin, Umax, Smin, Smax, Uclamp, Sclamp,
        Copysign, MulHiU, MulHiS, Clz, Ctz, Popcount, Sabs, Uabs, FindUMsb, FindSMsb, FindILsb, Rotate, None
    } k = K::None;
    std::string name;
    if (set == "GLSL.std.450") {
        switch (static_cast<GLSLstd450>(number)) {
        case GLSLstd450FAbs: k = K::Fabs; break;
        case GLSLstd450Sqrt: k = K::Sqrt; break;
        case GLSLstd450InverseSqrt: k = K::Rsqrt; break;
        case GLSLstd450Floor: k = K::Floor; break;
        case GLSLstd450Ceil: k = K::Ceil; break;
        case GLSLstd450Trunc: k = K::Trunc; break;
        case GLSLstd450RoundEven: k = K::Rint; break;
        case GLSLstd450Fma: k = K::Fma; break;
        case GLSLstd450FMin: case GLSLstd450NMin: k = K::Fmin; break;
        case GLSLstd450FMax: case GLSLstd450NMax: k = K::Fmax; break;
        case GLSLstd450FClamp: case GLSLstd450NClamp: k = K::Fclamp; break;
        case GLSLstd450UMin: k = K::Umin; break;
        case GLSLstd450UMax: k = K::Umax; break;
        case GLSLstd450SMin: k = K::Smin; break;
        case GLSLstd450SMax: k = K::Smax; break;
        case GLSLstd450UClamp: k = K::Uclamp; break;
        case GLSLstd450SClamp: k = K::Sclamp; break;
        case GLSLstd450SAbs: k = K::Sabs; break;
        case GLSLstd450FindUMsb: k = K::FindUMsb; break;
        case GLSLstd450FindSMsb: k = K::FindSMsb; break;
        case GLSLstd450FindILsb: k = K::FindILsb; break;
        default: name = fmt::format("GLSL.std.450 {}", extName(kGlslStdNames, number)); break;
        }
    } else if (set == "OpenCL.std") {
        if (lowerOpenclBuiltin(inst, number))
            return;
        switch (static_cast<OpenCLLIB::Entrypoints>(number)) {
        case OpenCLLIB::Fabs: k = K::Fabs; break;
        case OpenCLLIB::Sqrt: case OpenCLLIB::Native_sqrt: k = K::Sqrt; break;
        case OpenCLLIB::Rsqrt: case OpenCLLIB::Native_rsqrt: k = K::Rsqrt; break;
        case OpenCLLIB::Floor: k = K::Floor; break;
        case OpenCLLIB::Ceil: k = K::Ceil; break;
        case OpenCLLIB::Trunc: k = K::Trunc; break;
        case OpenCLLIB::Rint: k = K::Rint; break;
        case OpenCLLIB::Fma: k = K::Fma; break;
        case OpenCLLIB::Mad: k = K::Mad; break;
        case OpenCLLIB::Fmin: k = K::Fmin; break;
        case OpenCLLIB::Fmax: k = K::Fmax; break;
        case OpenCLLIB::FClamp: k = K::Fclamp; break;
        case OpenCLLIB::UMin: k = K::Umin; break;
        case OpenCLLIB::UMax: k = K::Umax; break;
        case OpenCLLIB::SMin: k = K::Smin; break;
        case OpenCLLIB::SMax: k = K::Smax; break;
        case OpenCLLIB::UClamp: k = K::Uclamp; break;
        case OpenCLLIB::SClamp: k = K::Sclamp; break;
        case OpenCLLIB::Copysign: k = K::Copysign; break;
        case OpenCLLIB::UMul_hi: k = K::MulHiU; break;
        case OpenCLLIB::SMul_hi: k = K::MulHiS; break;
        case OpenCLLIB::Clz: k = K::Clz; break;
        case OpenCLLIB::Ctz: k = K::Ctz; break;
        case OpenCLLIB::Popcount: k = K::Popcount; break;
        case OpenCLLIB::Rotate: k = K::Rotate; break;
        case OpenCLLIB::SAbs: k = K::Sabs; break;
        case OpenCLLIB::UAbs: k = K::Uabs; break;
        default: name = fmt::format("OpenCL.std {}", extName(kOpenclStdNames, number)); break;
        }
    } else {
        failAt(inst, fmt::format("extended instruction set '{}' is not supported", set));
    }
    if (k == K::None)
        failAt(inst, fmt::format("{} is not supported by the back end ({})", name,
                                 set == "OpenCL.std" ? "link it from libclc" : "no ISA instruction implements it"));
    // 8- and 16-bit integers: signed operations see their operands
    // sign-extended to 32 bits; results are cut back to the width below.
    bool narrow = !fl && w < 32;
    bool signedOp = k == K::Smin || k == K::Smax || k == K::Sclamp || k == K::Sabs || k == K::MulHiS;
    // (8- and 16-bit mul_hi are lowerOpenclBuiltin()'s.)

    std::uint32_t n = leafCount(inst.type);
    std::vector<Opnd> out;
    for (std::uint32_t c = 0; c < n; c++) {
        auto arg = [&](std::size_t i) {
            Opnd a = val(args.at(i)).comps.at(c);
            return narrow && signedOp ? sextV32(a, w) : a;
        };
        Opnd r;
        switch (k) {
        case K::Fabs: r = vop2("v_and_b32", arg(0), Opnd::i(0x7fffffff)); break;
        case K::Sqrt: r = vop1("v_sqrt_f32", arg(0)); break;
        case K::Rsqrt: r = vop2("v_div_f32", Opnd::i(0x3f800000), vop1("v_sqrt_f32", arg(0))); break;
        case K::Floor: r = vop1("v_floor_f32", arg(0)); break;
        case K::Ceil: r = vop1("v_ceil_f32", arg(0)); break;
        case K::Trunc: r = vop1("v_trunc_f32", arg(0)); break;
        case K::Rint: r = vop1("v_rint_f32", arg(0)); break;
        case K::Fma:
        case K::Mad: {
            r = newV();
            emit("v_mov", {r, lit(arg(2), 32)});
            Opnd a = lit(arg(0), 32), b = lit(arg(1), 32);
            if (a.isImm() && b.isImm() && a.imm != b.imm)
                b = toScalar(b);
            emit("v_fma_f32", {r, a, b});
            break;
        }
        case K::Fmin: r = vop2("v_min_f32", arg(0), arg(1)); break;
        case K::Fmax: r = vop2("v_max_f32", arg(0), arg(1)); break;
        case K::Fclamp: r = vop2("v_min_f32", vop2("v_max_f32", arg(0), arg(1)), arg(2)); break;
        case K::Umin: r = vop2(wide ? "v_min_u64" : "v_min_u32", arg(0), arg(1), w); break;
        case K::Umax: r = vop2(wide ? "v_max_u64" : "v_max_u32", arg(0), arg(1), w); break;
        case K::Smin: r = vop2(wide ? "v_min_i64" : "v_min_i32", arg(0), arg(1), w); break;
        case K::Smax: r = vop2(wide ? "v_max_i64" : "v_max_i32", arg(0), arg(1), w); break;
        case K::Uclamp:
            r = vop2(wide ? "v_min_u64" : "v_min_u32", vop2(wide ? "v_max_u64" : "v_max_u32", arg(0), arg(1), w),
                     arg(2), w);
            break;
        case K::Sclamp:
            r = vop2(wide ? "v_min_i64" : "v_min_i32", vop2(wide ? "v_max_i64" : "v_max_i32", arg(0), arg(1), w),
                     arg(2), w);
            break;
        case K::Copysign:
            r = vop2("v_or_b32", vop2("v_and_b32", arg(0), Opnd::i(0x7fffffff)),
                     vop2("v_and_b32", arg(1), Opnd::i(0x80000000)));
            break;
        case K::MulHiU: r = vop2(wide ? "v_mulhi_u64" : "v_mulhi_u32", arg(0), arg(1), w); break;
        case K::MulHiS: r = vop2(wide ? "v_mulhi_i64" : "v_mulhi_i32", arg(0), arg(1), w); break;
        case K::Clz: r = vop1(wide ? "v_clz_b64" : "v_clz_b32", lit(arg(0), w)); break;
        case K::Ctz: r = vop1(wide ? "v_ctz_b64" : "v_ctz_b32", lit(arg(0), w)); break;
        case K::Popcount: r = vop1(wide ? "v_popc_b64" : "v_popc_b32", lit(arg(0), w)); break;
        case K::Rotate: {
            // (x << s) | (x >> (w - s)), s = y mod w; 8- and 16-bit values are
            // rotated within their width (the high bits cleared first).
            unsigned bits = std::max(w, 8u);
            Opnd x = w < 32 ? truncV(arg(0), w) : arg(0);
            Opnd sh = vop2(wide ? "v_and_b64" : "v_and_b32", arg(1), Opnd::i(bits - 1), w);
            Opnd back = vop2(wide ? "v_sub_u64" : "v_sub_u32", Opnd::i(bits), sh, w);
            Opnd left = vop2(wide ? "v_shl_b64" : "v_shl_b32", x, sh, w);
            // A shift by the full width (s = 0) must give 0, not x: mask it.
            Opnd right = vop2(wide ? "v_shr_b64" : "v_shr_b32", x, back, w);
            Opnd zero = intCmp(Op::OpIEqual, wide ? 64 : 32, sh, Opnd::i(0), false);
            right = select(zero, Opnd::i(0), right, false);
            r = vop2(wide ? "v_or_b64" : "v_or_b32", left, right, w);
            break;
        }
        // GLSL's bit searches on 32-bit integers, -1 when there is no such bit.
        case K::FindUMsb:
            r = vop2("v_sub_u32", Opnd::i(31), vop1("v_clz_b32", lit(arg(0), 32)));
            break;
        case K::FindSMsb:
            // The highest bit that differs from the sign bit.
            r = vop2("v_sub_u32", Opnd::i(31),
                     vop1("v_clz_b32", vop2("v_xor_b32", arg(0), vop2("v_sar_i32", arg(0), Opnd::i(31)))));
            break;
        case K::FindILsb: {
            Opnd t = vop1("v_ctz_b32", lit(arg(0), 32));
            // ctz(0) is 32: (32 >> 5) = 1, 0 - 1 = all ones.
            r = vop2("v_or_b32", t, vop2("v_sub_u32", Opnd::i(0), vop2("v_shr_b32", t, Opnd::i(5))));
            break;
        }
        case K::Sabs:
        case K::Uabs:
            if (k == K::Uabs) {
                r = newV();
                emit("v_mov", {r, lit(arg(0), 64)});
            } else {
                Opnd neg = vop2(wide ? "v_sub_u64" : "v_sub_u32", Opnd::i(0), arg(0), w);
                r = vop2(wide ? "v_max_i64" : "v_max_i32", arg(0), neg, w);
            }
            break;
        case K::None:
            break;
        }
        if (narrow) {
            if (k == K::Clz)
                r = vop2("v_sub_u32", r, Opnd::i(32 - w));
            else if (k == K::Ctz)
                r = vop2("v_min_u32", r, Opnd::i(w));
            r = truncV(r, w);
        }
        out.push_back(r);
    }
    setRegs(inst.result, out);
}

void Lowering::lowerInst(const Inst& inst)
{
    const auto& o = inst.operands;
    bool uniform = inst.result && !varying(inst.result);
    auto comps = [&](Id id) -> const std::vector<Opnd>& {
        const Val& v = val(id);
        if (v.kind != ValKind::Regs)
            failAt(inst, "a pointer to a private variable, built-in or push constant used as a value");
        return v.comps;
    };
    auto typeOf = [&](Id id) -> Id {
        if (defs_.count(id))
            return defs_[id]->type;
        if (m_.constants.count(id))
            return m_.constants.at(id).type;
        if (m_.globals.count(id))
            return m_.globals.at(id).type;
        for (const Inst& p : f_->params)
            if (p.result == id)
                return p.type;
        return 0;
    };
    // half is storage only (halfToFloat()): an instruction that is not a
    // move or a conversion would compute on its bits as on a float's.
    auto isHalf = [&](Id t) { return t && isFloat(scalarOf(t)) && type(scalarOf(t)).width == 16; };
    switch (inst.op) {
    case Op::OpLoad:
    case Op::OpStore:
    case Op::OpFConvert:
    case Op::OpBitcast:
    case Op::OpCopyObject:
    case Op::OpCompositeConstruct:
    case Op::OpCompositeExtract:
    case Op::OpCompositeInsert:
    case Op::OpVectorShuffle:
    case Op::OpVectorExtractDynamic:
    case Op::OpVectorInsertDynamic:
    case Op::OpSelect:
    case Op::OpPhi:
    case Op::OpUndef:
    case Op::OpFunctionCall:
    case Op::OpVariable:
    case Op::OpAccessChain:
    case Op::OpInBoundsAccessChain:
    case Op::OpPtrAccessChain:
    case Op::OpInBoundsPtrAccessChain:
    case Op::OpCopyMemory:
    case Op::OpCopyMemorySized:
    case Op::OpReturnValue:
    case Op::OpExtInstImport:
        break;
    default:
        if ((inst.result && isHalf(inst.type)) || (!o.empty() && isHalf(typeOf(o[0]))))
            failAt(inst, fmt::format("{} on half values: half arithmetic (cl_khr_fp16) is not supported, half is a "
                                     "storage format here (vload_half, vstore_half)",
                                     opName(inst.op)));
        break;
    }
    // Component-wise: the result's leaves from the operands' leaves.
    auto elementwise = [&](auto&& fn) {
        std::uint32_t n = leafCount(inst.type);
        std::vector<Opnd> out;
        for (std::uint32_t c = 0; c < n; c++)
            out.push_back(fn(c));
        setRegs(inst.result, out);
    };

    if (inst.op == Op::OpFConvert && type(inst.type).kind == TypeKind::Float && type(inst.type).width == 64) {
        // A float promoted for printf (doublesOnlyForPrintf()): it stays a
        // float, and printfArg() records it as one.
        setRegs(inst.result, comps(o[0]));
        return;
    }
    switch (inst.op) {
    case Op::OpNop:
    case Op::OpLine:
    case Op::OpNoLine:
    case Op::OpLifetimeStart:
    case Op::OpLifetimeStop:
    case Op::OpMemoryBarrier:
    case Op::OpPhi: // values come from the predecessors' copies
    case Op::OpExtInstImport:
        return;
    case Op::OpUndef:
        setRegs(inst.result, std::vector<Opnd>(leafCount(inst.type), Opnd::i(0)));
        return;
    case Op::OpControlBarrier:
        emit("s_barrier", {});
        return;
    case Op::OpFunctionCall:
        inlineCall(inst);
        return;
        failAt(inst, fmt::format("a call to %{} ({}) is left after inlining (recursion, or a function without "
                                 "a body: link libclc for OpenCL built-ins)",
                                 o[0], m_.names.count(o[0]) ? m_.names.at(o[0]) : "unnamed"));
    case Op::OpAccessChain:
    case Op::OpInBoundsAccessChain:
    case Op::OpPtrAccessChain:
    case Op::OpInBoundsPtrAccessChain:
        lowerAccessChain(inst);
        return;
    case Op::OpLoad:
        lowerLoad(inst);
        return;
    case Op::OpStore:
        lowerStore(inst);
        return;
    case Op::OpCopyMemory:
    case Op::OpCopyMemorySized:
        lowerCopyMemory(inst);
        return;
    case Op::OpAtomicLoad:
    case Op::OpAtomicStore:
    case Op::OpAtomicExchange:
    case Op::OpAtomicCompareExchange:
    case Op::OpAtomicIIncrement:
    case Op::OpAtomicIDecrement:
    case Op::OpAtomicIAdd:
    case Op::OpAtomicISub:
    case Op::OpAtomicSMin:
    case Op::OpAtomicUMin:
    case Op::OpAtomicSMax:
    case Op::OpAtomicUMax:
    case Op::OpAtomicAnd:
    case Op::OpAtomicOr:
    case Op::OpAtomicXor:
        lowerAtomic(inst);
        return;
    case Op::OpExtInst:
        if (m_.extInstSets.at(o[0]) == "OpenCL.std" && o[1] == OpenCLLIB::Printf)
            lowerPrintf(inst);
        else
            lowerExtInst(inst);
        return;
    case Op::OpCopyObject: {
        const Val& v = val(o[0]);
        vals_[inst.result] = v;
        return;
    }
    case Op::OpCompositeExtract: {
        const auto& c = comps(o[0]);
        Id leafType = 0;
        std::vector<std::uint32_t> idx(o.begin() + 1, o.end());
        std::uint32_t first = leafIndex(typeOf(o[0]), idx, &leafType);
        std::uint32_t n = leafCount(leafType);
        setRegs(inst.result, std::vector<Opnd>(c.begin() + first, c.begin() + first + n));
        return;
    }
    case Op::OpCompositeInsert: {
        std::vector<Opnd> c = comps(o[1]);
        std::vector<std::uint32_t> idx(o.begin() + 2, o.end());
        Id leafType = 0;
        std::uint32_t first = leafIndex(inst.type, idx, &leafType);
        const auto& part = comps(o[0]);
        std::copy(part.begin(), part.end(), c.begin() + first);
        setRegs(inst.result, c);
        return;
    }
    case Op::OpCompositeConstruct: {
        std::vector<Opnd> c;
        for (Id part : o) {
            const auto& pc = comps(part);
            c.insert(c.end(), pc.begin(), pc.end());
        }
        setRegs(inst.result, c);
        return;
    }
    case Op::OpVectorShuffle: {
        const auto& a = comps(o[0]);
        const auto& b = comps(o[1]);
        std::vector<Opnd> c;
        for (std::size_t i = 2; i < o.size(); i++) {
            std::uint32_t k = o[i];
            if (k == 0xffffffff)
                c.push_back(Opnd::i(0));
            else
                c.push_back(k < a.size() ? a[k] : b.at(k - a.size()));
        }
        setRegs(inst.result, c);
        return;
    }
    case Op::OpVectorExtractDynamic: {
        const auto& v = comps(o[0]);
        if (m_.constants.count(o[1])) {
            setRegs(inst.result, {v.at(constU64(o[1]))});
            return;
        }
        // A chain of selects. An index out of range gives what OpenCL's
        // work-item functions answer, 0 or 1: SPIR-V leaves it undefined,
        // and llvm-spirv-14 turns get_global_offset(j) and kin into this
        // without a check.
        // The sizes' out-of-range answer is 1 (get_global_size(),
        // get_local_size(), get_num_groups()).
        std::uint64_t outside = 0;
        if (defs_.count(o[0]) && defs_[o[0]]->op == Op::OpLoad) {
            const Val& from = val(defs_[o[0]]->operands[0]);
            if (from.kind == ValKind::Builtin) {
                auto b = static_cast<spv::BuiltIn>(from.var);
                if (b == spv::BuiltIn::GlobalSize || b == spv::BuiltIn::WorkgroupSize ||
                    b == spv::BuiltIn::EnqueuedWorkgroupSize || b == spv::BuiltIn::NumWorkgroups)
                    outside = 1;
            }
        }
        unsigned w = scalarWidth(typeOf(o[1]));
        Opnd r = Opnd::i(outside);
        for (std::uint32_t k = 0; k < v.size(); k++) {
            Opnd hit = intCmp(Op::OpIEqual, w, one(o[1]), Opnd::i(k), uniform);
            r = select(hit, v[k], r, uniform);
        }
        setRegs(inst.result, {r});
        return;
    }
    case Op::OpVectorInsertDynamic: {
        std::vector<Opnd> v = comps(o[0]);
        Opnd part = one(o[1]);
        unsigned w = scalarWidth(typeOf(o[2]));
        if (m_.constants.count(o[2])) {
            if (constU64(o[2]) < v.size())
                v[constU64(o[2])] = part;
            setRegs(inst.result, v);
            return;
        }
        for (std::uint32_t k = 0; k < v.size(); k++) {
            Opnd hit = intCmp(Op::OpIEqual, w, one(o[2]), Opnd::i(k), uniform);
            v[k] = select(hit, part, v[k], uniform);
        }
        setRegs(inst.result, v);
        return;
    }
    case Op::OpIAdd:
    case Op::OpISub:
    case Op::OpIMul:
    case Op::OpBitwiseAnd:
    case Op::OpBitwiseOr:
    case Op::OpBitwiseXor:
    case Op::OpShiftLeftLogical:
    case Op::OpShiftRightLogical:
    case Op::OpShiftRightArithmetic:
    case Op::OpUDiv:
    case Op::OpUMod:
    case Op::OpSDiv:
    case Op::OpSRem: {
        unsigned w = scalarWidth(scalarOf(inst.type));
        elementwise([&](std::uint32_t c) { return intBin(inst.op, w, comps(o[0]).at(c), comps(o[1]).at(c), uniform, inst); });
        return;
    }
    case Op::OpBitCount: {
        unsigned w = scalarWidth(scalarOf(inst.type));
        elementwise([&](std::uint32_t c) { return vop1(w > 32 ? "v_popc_b64" : "v_popc_b32", comps(o[0]).at(c), w); });
        return;
    }
    case Op::OpSMod:
        failAt(inst, "OpSMod (modulo with the sign of the divisor) is not supported");
    case Op::OpNot: {
        unsigned w = scalarWidth(scalarOf(inst.type));
        elementwise([&](std::uint32_t c) {
            // All ones of the width: the result stays zero-extended.
            return intBin(Op::OpBitwiseXor, w, comps(o[0]).at(c), Opnd::i(w >= 64 ? ~0ull : (1ull << w) - 1),
                          uniform, inst);
        });
        return;
    }
    case Op::OpSNegate: {
        unsigned w = scalarWidth(scalarOf(inst.type));
        elementwise([&](std::uint32_t c) { return intBin(Op::OpISub, w, Opnd::i(0), comps(o[0]).at(c), uniform, inst); });
        return;
    }
    case Op::OpIEqual:
    case Op::OpINotEqual:
    case Op::OpULessThan:
    case Op::OpULessThanEqual:
    case Op::OpUGreaterThan:
    case Op::OpUGreaterThanEqual:
    case Op::OpSLessThan:
    case Op::OpSLessThanEqual:
    case Op::OpSGreaterThan:
    case Op::OpSGreaterThanEqual:
    case Op::OpLogicalEqual:
    case Op::OpLogicalNotEqual: {
        unsigned w = scalarWidth(scalarOf(typeOf(o[0])));
        elementwise([&](std::uint32_t c) { return intCmp(inst.op, w, comps(o[0]).at(c), comps(o[1]).at(c), uniform); });
        return;
    }
    case Op::OpLogicalAnd:
    case Op::OpLogicalOr:
        elementwise([&](std::uint32_t c) {
            return intBin(inst.op == Op::OpLogicalAnd ? Op::OpBitwiseAnd : Op::OpBitwiseOr, 32, comps(o[0]).at(c),
                          comps(o[1]).at(c), uniform, inst);
        });
        return;
    case Op::OpLogicalNot:
        elementwise([&](std::uint32_t c) { return intBin(Op::OpBitwiseXor, 32, comps(o[0]).at(c), Opnd::i(1), uniform, inst); });
        return;
    case Op::OpSelect: {
        const auto& cond = comps(o[0]);
        elementwise([&](std::uint32_t c) {
            return select(cond.size() == 1 ? cond[0] : cond.at(c), comps(o[1]).at(c), comps(o[2]).at(c), uniform);
        });
        return;
    }
    case Op::OpFAdd:
    case Op::OpFSub:
    case Op::OpFMul:
    case Op::OpFDiv: {
        if (type(scalarOf(inst.type)).width != 32)
            failAt(inst, "float arithmetic that is not 32-bit (ISA v2 has float32 only)");
        const char* name = inst.op == Op::OpFAdd   ? "v_add_f32"
                           : inst.op == Op::OpFSub ? "v_sub_f32"
                           : inst.op == Op::OpFMul ? "v_mul_f32"
                                                   : "v_div_f32";
        elementwise([&](std::uint32_t c) { return vop2(name, comps(o[0]).at(c), comps(o[1]).at(c)); });
        return;
    }
    case Op::OpFNegate:
        elementwise([&](std::uint32_t c) { return vop2("v_xor_b32", comps(o[0]).at(c), Opnd::i(0x80000000)); });
        return;
    case Op::OpDot: {
        // Products summed left to right, each rounded (no fused contraction).
        const auto& a = comps(o[0]);
        const auto& b = comps(o[1]);
        Opnd sum = vop2("v_mul_f32", a.at(0), b.at(0));
        for (std::size_t c = 1; c < a.size(); c++)
            sum = vop2("v_add_f32", sum, vop2("v_mul_f32", a[c], b.at(c)));
        setRegs(inst.result, {sum});
        return;
    }
    case Op::OpVectorTimesScalar:
        elementwise([&](std::uint32_t c) { return vop2("v_mul_f32", comps(o[0]).at(c), comps(o[1]).at(0)); });
        return;
    case Op::OpFOrdEqual:
    case Op::OpFOrdNotEqual:
    case Op::OpFOrdLessThan:
    case Op::OpFOrdLessThanEqual:
    case Op::OpFOrdGreaterThan:
    case Op::OpFOrdGreaterThanEqual:
    case Op::OpFUnordEqual:
    case Op::OpFUnordNotEqual:
    case Op::OpFUnordLessThan:
    case Op::OpFUnordLessThanEqual:
    case Op::OpFUnordGreaterThan:
    case Op::OpFUnordGreaterThanEqual:
        elementwise([&](std::uint32_t c) { return floatCmp(inst.op, comps(o[0]).at(c), comps(o[1]).at(c)); });
        return;
    case Op::OpIsNan:
        elementwise([&](std::uint32_t c) { return floatCmp(Op::OpFUnordNotEqual, comps(o[0]).at(c), comps(o[0]).at(c)); });
        return;
    case Op::OpUnordered:
    case Op::OpOrdered:
        // Unordered: either is NaN (x != x only for NaN); ordered: neither.
        elementwise([&](std::uint32_t c) {
            Opnd nanA = floatCmp(Op::OpFUnordNotEqual, comps(o[0]).at(c), comps(o[0]).at(c));
            Opnd nanB = floatCmp(Op::OpFUnordNotEqual, comps(o[1]).at(c), comps(o[1]).at(c));
            Opnd un = intBin(Op::OpBitwiseOr, 32, nanA, nanB, false, inst);
            return inst.op == Op::OpUnordered ? un : intBin(Op::OpBitwiseXor, 32, un, Opnd::i(1), false, inst);
        });
        return;
    case Op::OpIsInf:
        elementwise([&](std::uint32_t c) {
            Opnd abs = vop2("v_and_b32", comps(o[0]).at(c), Opnd::i(0x7fffffff));
            return intCmp(Op::OpIEqual, 32, abs, Opnd::i(0x7f800000), false);
        });
        return;
    case Op::OpIsFinite:
        // Below the all-ones exponent: neither infinite nor NaN.
        elementwise([&](std::uint32_t c) {
            Opnd abs = vop2("v_and_b32", comps(o[0]).at(c), Opnd::i(0x7fffffff));
            return intCmp(Op::OpULessThan, 32, abs, Opnd::i(0x7f800000), false);
        });
        return;
    case Op::OpIsNormal:
        // An exponent that is neither 0 (zero, subnormal) nor all ones.
        elementwise([&](std::uint32_t c) {
            Opnd exponent = vop2("v_and_b32", comps(o[0]).at(c), Opnd::i(0x7f800000));
            Opnd notZero = intCmp(Op::OpINotEqual, 32, exponent, Opnd::i(0), false);
            Opnd notOnes = intCmp(Op::OpINotEqual, 32, exponent, Opnd::i(0x7f800000), false);
            return intBin(Op::OpBitwiseAnd, 32, notZero, notOnes, false, inst);
        });
        return;
    case Op::OpSignBitSet:
        elementwise([&](std::uint32_t c) {
            return intBin(Op::OpShiftRightLogical, 32, comps(o[0]).at(c), Opnd::i(31), false, inst);
        });
        return;
    case Op::OpUMulExtended:
    case Op::OpSMulExtended: {
        // A struct { low half, high half } of the full product, per component.
        bool sign = inst.op == Op::OpSMulExtended;
        const auto& a = comps(o[0]);
        const auto& b = comps(o[1]);
        unsigned w = scalarWidth(type(inst.type).members.at(0));
        bool wide = w > 32;
        std::vector<Opnd> lo, hi;
        for (std::size_t c = 0; c < a.size(); c++) {
            lo.push_back(vop2(wide ? "v_mul_u64" : "v_mul_u32", a.at(c), b.at(c), w));
            hi.push_back(vop2(wide ? (sign ? "v_mulhi_i64" : "v_mulhi_u64") : (sign ? "v_mulhi_i32" : "v_mulhi_u32"),
                              a.at(c), b.at(c), w));
        }
        lo.insert(lo.end(), hi.begin(), hi.end());
        setRegs(inst.result, std::move(lo));
        return;
    }
    case Op::OpUConvert:
    case Op::OpSConvert:
    case Op::OpSatConvertSToU:
    case Op::OpSatConvertUToS:
    case Op::OpConvertSToF:
    case Op::OpConvertUToF:
    case Op::OpConvertFToS:
    case Op::OpConvertFToU:
    case Op::OpFConvert:
    case Op::OpConvertPtrToU:
    case Op::OpConvertUToPtr:
    case Op::OpBitcast:
    case Op::OpPtrCastToGeneric:
    case Op::OpGenericCastToPtr: {
        Id from = scalarOf(typeOf(o[0])), to = scalarOf(inst.type);
        if (inst.op == Op::OpBitcast && leafCount(typeOf(o[0])) != leafCount(inst.type)) {
            // The same bits in components of another width (as_char4 of an
            // int, as_short2 of a char4): little-endian, component 0 in the
            // low bits. Components are kept zero-extended in registers.
            const auto& src = comps(o[0]);
            unsigned ws = scalarWidth(from), wd = scalarWidth(to);
            std::uint32_t nd = leafCount(inst.type);
            if (src.size() * ws != std::uint64_t{nd} * wd || ws > 64 || wd > 64)
                failAt(inst, "OpBitcast between vectors of different sizes");
            auto mask = [](unsigned w) { return w >= 64 ? ~0ull : (1ull << w) - 1; };
            std::vector<Opnd> out;
            for (std::uint32_t j = 0; j < nd; j++) {
                if (wd > ws) {
                    unsigned r = wd / ws;
                    Opnd acc = Opnd::i(0);
                    for (unsigned k = 0; k < r; k++) {
                        Opnd part = intBin(Op::OpBitwiseAnd, 64, src.at(j * r + k), Opnd::i(mask(ws)), uniform, inst);
                        if (k)
                            part = intBin(Op::OpShiftLeftLogical, 64, part, Opnd::i(k * ws), uniform, inst);
                        acc = k ? intBin(Op::OpBitwiseOr, 64, acc, part, uniform, inst) : part;
                    }
                    out.push_back(acc);
                } else {
                    unsigned r = ws / wd;
                    Opnd part = src.at(j / r);
                    if (j % r)
                        part = intBin(Op::OpShiftRightLogical, 64, part, Opnd::i((j % r) * wd), uniform, inst);
                    out.push_back(intBin(Op::OpBitwiseAnd, 64, part, Opnd::i(mask(wd)), uniform, inst));
                }
            }
            setRegs(inst.result, out);
            return;
        }
        if ((inst.op == Op::OpPtrCastToGeneric || inst.op == Op::OpGenericCastToPtr) &&
            (type(typeOf(o[0])).storage == spv::StorageClass::Workgroup ||
             type(inst.type).storage == spv::StorageClass::Workgroup))
            failAt(inst, "generic pointers to workgroup memory are not supported");
        elementwise([&](std::uint32_t c) { return convert(inst, from, to, comps(o[0]).at(c), uniform); });
        return;
    }
    default:
        failAt(inst, fmt::format("{} is not supported by the vsvm back end", opName(inst.op)));
    }
}

// ================================================================ control flow

void Lowering::edgeCopies(Id from, Id to)
{
    std::vector<std::pair<std::vector<Opnd>, std::vector<Opnd>>> moves;
    for (const Inst& inst : block(to).body) {
        if (inst.op != Op::OpPhi)
            break;
        for (std::size_t i = 0; i + 1 < inst.operands.size(); i += 2) {
            if (inst.operands[i + 1] != from)
                continue;
            const Val& v = val(inst.operands[i]);
            if (v.kind != ValKind::Regs)
                failAt(inst, "a phi of pointers to private variables");
            moves.push_back({phiRegs_.at(inst.result), v.comps});
        }
    }
    // Through temporaries: a phi may read another phi of the same block.
    std::vector<std::pair<Opnd, Opnd>> temps;
    for (auto& [dsts, srcs] : moves) {
        for (std::size_t c = 0; c < dsts.size() && c < srcs.size(); c++) {
            if (srcs[c].isImm() || moves.size() == 1) {
                temps.push_back({dsts[c], srcs[c]});
                continue;
            }
            Opnd t = isVector(dsts[c]) ? newV() : newS();
            copyTo(t, srcs[c]);
            temps.push_back({dsts[c], t});
        }
    }
    for (auto& [dst, src] : temps)
        copyTo(dst, src);
}

Opnd Lowering::parkedMask()
{
    Opnd mask = newS();
    emit("s_mov", {mask, sRet_});
    if (!loops_.empty()) {
        emit("s_or", {mask, mask, loops_.back().brk});
        emit("s_or", {mask, mask, loops_.back().cnt});
    }
    return mask;
}

void Lowering::park(const Opnd& mask)
{
    emit("s_or", {mask, mask, Opnd::p("exec")});
    emit("s_mov", {Opnd::p("exec"), Opnd::i(0)});
    emit("s_branch", {Opnd::l(skip_.back())});
}

Id Lowering::edgeTo(Id from, Id to, Id stop)
{
    edgeCopies(from, to);
    if (to == stop)
        return 0;
    if (!loops_.empty()) {
        const LoopCtx& loop = loops_.back();
        for (std::size_t i = 0; i < loop.exits.size(); i++) {
            if (to == loop.exits[i]) {
                emit("s_or", {loop.exitMasks[i], loop.exitMasks[i], Opnd::p("exec")});
                park(loop.brk);
                return 0;
            }
        }
        if (to == loop.merge) {
            park(loop.brk);
            return 0;
        }
        if (to == loop.cont) {
            park(loop.cnt);
            return 0;
        }
        if (to == loop.header)
            failStructure(currentFunction(),
                          fmt::format("a back edge to %{} that does not come from the loop's continue target", to));
    }
    return to;
}

// The index of @p inst's first literal operand (operands.size() when all
// are ids), for the instructions with literals that take pointers or
// appear in function bodies: their literals (alignments, indices, line
// numbers) are not values.
std::size_t literalsFrom(const Inst& inst)
{
    switch (inst.op) {
    case Op::OpLine:
    case Op::OpNoLine:
        return 0;
    case Op::OpLoad:
    case Op::OpSelectionMerge:
    case Op::OpCompositeExtract:
        return 1;
    case Op::OpStore:
    case Op::OpCopyMemory:
    case Op::OpCompositeInsert:
    case Op::OpVectorShuffle:
    case Op::OpSwitch:
    case Op::OpLoopMerge:
        return 2;
    case Op::OpCopyMemorySized:
    case Op::OpBranchConditional:
        return 3;
    default:
        return inst.operands.size();
    }
}

// A variable lives in the lane's private stack when its address is used as
// a value; the others are registers. Registers can serve a load, a store
// through the pointer, an access chain with constant indices, and a call
// whose parameter is used in those ways (calls are inlined). Anything else
// needs an address: an index that is not a constant, a bitcast, a phi or
// select of pointers, an atomic, an extended instruction's pointer operand
// (libclc's vload and vstore, fract's and modf's results, ...), a pointer
// stored or returned, a memory copy.
void Lowering::layoutPrivateMemory()
{
    std::unordered_set<Id> vars;
    for (const Function& fn : m_.functions)
        for (const Inst& var : fn.variables)
            vars.insert(var.result);
    for (const auto& [id, g] : m_.globals)
        if (static_cast<spv::StorageClass>(g.operands[0]) == spv::StorageClass::Private)
            vars.insert(id);
    std::unordered_map<Id, const Function*> functions;
    for (const Function& fn : m_.functions)
        functions[fn.id] = &fn;
    // The variables each pointer value may point into, to a fixed point
    // (a call may come before its callee's body).
    std::unordered_map<Id, std::unordered_set<Id>> roots;
    for (Id v : vars)
        roots[v] = {v};
    std::unordered_set<Id> inMemory;
    for (bool changed = true; changed;) {
        changed = false;
        auto derive = [&](Id to, Id from) {
            // Copied: inserting into roots may rehash it.
            std::vector<Id> from_roots(roots.at(from).begin(), roots.at(from).end());
            for (Id r : from_roots)
                changed |= roots[to].insert(r).second;
        };
        auto escape = [&](Id from) {
            for (Id r : roots.at(from))
                changed |= inMemory.insert(r).second;
        };
        for (const Function& fn : m_.functions)
            for (const Block& b : fn.blocks)
                for (const Inst& inst : b.body) {
                    const auto& o = inst.operands;
                    bool chain = inst.op == Op::OpAccessChain || inst.op == Op::OpInBoundsAccessChain ||
                                 inst.op == Op::OpPtrAccessChain || inst.op == Op::OpInBoundsPtrAccessChain;
                    bool ptrChain = inst.op == Op::OpPtrAccessChain || inst.op == Op::OpInBoundsPtrAccessChain;
                    std::size_t ids = literalsFrom(inst);
                    for (std::size_t k = 0; k < o.size() && k < ids; k++) {
                        if (!roots.count(o[k]) || (inst.op == Op::OpExtInst && k == 1))
                            continue;
                        if ((inst.op == Op::OpLoad || inst.op == Op::OpStore) && k == 0)
                            continue;
                        if (inst.op == Op::OpLifetimeStart || inst.op == Op::OpLifetimeStop)
                            continue;
                        if (chain && k == 0) {
                            bool constant = true;
                            for (std::size_t i = 1; i < o.size(); i++)
                                constant &= m_.constants.count(o[i]) != 0 &&
                                            (!ptrChain || i != 1 || constU64(o[i]) == 0);
                            if (constant)
                                derive(inst.result, o[k]);
                            else
                                escape(o[k]);
                            continue;
                        }
                        if (inst.op == Op::OpFunctionCall && k > 0) {
                            auto callee = functions.find(o[0]);
                            if (callee != functions.end() && k - 1 < callee->second->params.size() &&
                                !byVal(callee->second->params[k - 1].result)) {
                                derive(callee->second->params[k - 1].result, o[k]);
                                continue;
                            }
                        }
                        escape(o[k]);
                    }
                }
    }
    auto place = [&](const Inst& var) {
        if (!inMemory.count(var.result))
            return;
        Id pointee = type(var.type).element;
        std::uint64_t a = std::max<std::uint64_t>(alignOf(pointee), 8);
        privateAlign_ = std::max(privateAlign_, a);
        privateBytes_ = (privateBytes_ + a - 1) / a * a;
        privateOffset_[var.result] = privateBytes_;
        privateBytes_ += sizeOf(pointee);
    };
    for (const Function& fn : m_.functions)
        for (const Inst& var : fn.variables)
            place(var);
    for (const auto& [id, g] : m_.globals)
        if (vars.count(id))
            place(g);
    // A by-value parameter is the callee's own copy of what the caller
    // points to (calls are inlined and never recursive: one slot each).
    for (const Function& fn : m_.functions)
        for (const Inst& param : fn.params)
            if (byVal(param.result)) {
                inMemory.insert(param.result);
                place(param);
            }
    // The lanes' stacks are privateAlign_-aligned (cc.h), and so is every
    // lane's: each variable is at its alignment.
    privateBytes_ = (privateBytes_ + privateAlign_ - 1) / privateAlign_ * privateAlign_;
}

void Lowering::bindVariable(const Inst& var)
{
    auto memory = privateOffset_.find(var.result);
    if (memory != privateOffset_.end()) {
        Opnd addr = vop2("v_add_u64", stackBase_, lit(Opnd::i(memory->second), 64), 64);
        setRegs(var.result, {addr});
        if (var.operands.size() > 1) {
            std::vector<Opnd> init = val(var.operands[1]).comps;
            memAccess(true, spv::StorageClass::Function, addr, type(var.type).element, &init, nullptr);
        }
        return;
    }
    std::vector<Opnd> regs;
    for (std::uint32_t i = 0; i < leafCount(type(var.type).element); i++)
        regs.push_back(Opnd::r(newReg(true, true)));
    funcVars_[var.result] = regs;
    vals_[var.result] = Val{ValKind::FuncVar, {}, var.result, 0};
    if (var.operands.size() > 1) {
        const Val& init = val(var.operands[1]);
        for (std::size_t i = 0; i < regs.size() && i < init.comps.size(); i++)
            copyTo(regs[i], init.comps[i]);
    }
}

// Calls are inlined here: SPIRV-Tools' inliner leaves the unstructured
// functions of OpenCL modules alone. The callee's body is emitted in place,
// with its returns parked in a mask of its own, like the kernel's.
void Lowering::inlineCall(const Inst& inst)
{
    Id callee = inst.operands[0];
    const Function* fn = nullptr;
    for (const Function& candidate : m_.functions)
        if (candidate.id == callee)
            fn = &candidate;
    std::string name = m_.names.count(callee) ? m_.names.at(callee) : fmt::format("%{}", callee);
    if (!fn || fn->blocks.empty())
        failAt(inst, fmt::format("a call to {}, which has no body (an OpenCL built-in the back end does not "
                                 "implement: link libclc)",
                                 name));
    if (std::find(callStack_.begin(), callStack_.end(), callee) != callStack_.end() || callee == f_->id)
        failAt(inst, fmt::format("a recursive call to {}", name));
    if (callStack_.size() > 32)
        failAt(inst, "calls nested more than 32 deep");
    if (prepared_.insert(callee).second) {
        buildCfg(*fn);
        if (!linearFns_.count(callee))
            deriveStructure(*fn);
    }
    for (std::size_t i = 0; i < fn->params.size(); i++) {
        Id arg = inst.operands.at(1 + i);
        // A kernel argument in the launch block stays one in the callee
        // (clang -O0 calls the kernel's body with all of them).
        if (auto bp = blockParams_.find(arg); bp != blockParams_.end()) {
            BlockParam same = bp->second;
            blockParams_[fn->params[i].result] = same;
            varying_.erase(fn->params[i].result);
            continue;
        }
        blockParams_.erase(fn->params[i].result);
        if (byVal(fn->params[i].result)) {
            const Val& from = val(arg);
            if (from.kind != ValKind::Regs)
                failAt(inst, "internal: a by-value argument in registers");
            Id pointee = type(fn->params[i].type).element;
            Opnd copy = vop2("v_add_u64", stackBase_, lit(Opnd::i(privateOffset_.at(fn->params[i].result)), 64), 64);
            copyBytes(copy, false, from.comps.at(0), false, sizeOf(pointee), alignOf(pointee));
            setRegs(fn->params[i].result, {copy});
            varying_.insert(fn->params[i].result);
            continue;
        }
        const Val& v = val(arg);
        vals_[fn->params[i].result] = v;
        bool perLane = varying(arg);
        for (const Opnd& c : v.comps)
            perLane |= isVector(c);
        if (perLane)
            varying_.insert(fn->params[i].result);
        else
            varying_.erase(fn->params[i].result);
    }
    analyseUniformity(*fn);
    for (const Inst& var : fn->variables)
        bindVariable(var);
    for (const Block& b : fn->blocks)
        for (const Inst& phi : b.body)
            if (phi.op == Op::OpPhi) {
                std::vector<Opnd> regs;
                for (std::uint32_t i = 0; i < leafCount(phi.type); i++)
                    regs.push_back(Opnd::r(newReg(varying(phi.result), true)));
                phiRegs_[phi.result] = regs;
                setRegs(phi.result, regs);
            }
    std::vector<Opnd> result;
    if (type(inst.type).kind != TypeKind::Void)
        for (std::uint32_t i = 0; i < leafCount(inst.type); i++)
            result.push_back(Opnd::r(newReg(true, true)));

    auto savedLoops = std::move(loops_);
    loops_.clear();
    if (linearFns_.count(callee)) {
        callStack_.push_back(callee);
        retRegs_.push_back(result);
        emitLinear(*fn);
        retRegs_.pop_back();
        callStack_.pop_back();
        loops_ = std::move(savedLoops);
        if (!result.empty())
            setRegs(inst.result, result);
        return;
    }
    Opnd savedRet = sRet_;
    sRet_ = Opnd::r(newReg(false, true));
    emit("s_mov", {sRet_, Opnd::i(0)});
    std::string end = newLabel("return");
    skip_.push_back(end);
    callStack_.push_back(callee);
    retRegs_.push_back(result);
    emitRegion(fn->blocks.front().label, 0);
    retRegs_.pop_back();
    callStack_.pop_back();
    skip_.pop_back();
    label(end);
    emit("s_mov", {Opnd::p("exec"), sRet_});
    sRet_ = savedRet;
    loops_ = std::move(savedLoops);
    if (!result.empty())
        setRegs(inst.result, result);
}

void Lowering::emitRegion(Id b, Id stop)
{
    // Regions nest as deep as the source's control flow; far deeper means
    // the loop structure found is circular (a CFG the back end cannot
    // structure): a compile error, not a stack overflow.
    struct Depth {
        int& d;
        explicit Depth(int& depth) : d(++depth) {}
        ~Depth() { --d; }
    } depth(regionDepth_);
    if (regionDepth_ > 256)
        failStructure(currentFunction(), "control flow the back end cannot structure (loops nested in a cycle)");
    while (b && b != stop) {
        if (loopMerge_.count(b)) {
            emitLoop(b);
            Id merge = loopMerge_[b].first;
            if (merge == stop)
                return;
            b = merge;
            continue;
        }
        b = step(b, stop);
    }
}

// An OpReturnValue's value into the registers of the call being inlined.
void Lowering::copyReturnValue(const Inst& term)
{
    if (term.op != Op::OpReturnValue)
        return;
    if (callStack_.empty())
        failAt(term, "the kernel returns a value");
    const Val& v = val(term.operands[0]);
    if (v.kind != ValKind::Regs)
        failAt(term, "a function returning a pointer to a private variable");
    for (std::size_t i = 0; i < v.comps.size(); i++)
        copyTo(retRegs_.back().at(i), v.comps[i]);
}

Id Lowering::step(Id b, Id stop)
{
    const Block& blk = block(b);
    for (std::size_t i = 0; i + 1 < blk.body.size(); i++)
        lowerInst(blk.body[i]);
    const Inst& term = blk.body.back();
    switch (term.op) {
    case Op::OpReturn:
    case Op::OpReturnValue:
    case Op::OpKill:
    case Op::OpUnreachable:
        copyReturnValue(term);
        if (callStack_.empty() && loops_.empty() && skip_.size() == 1) {
            emit("s_branch", {Opnd::l(epilogue_)});
        } else {
            park(sRet_);
        }
        return 0;
    case Op::OpBranch:
        return edgeTo(b, term.operands[0], stop);
    case Op::OpSwitch: {
        if (!selMerge_.count(b))
            failStructure(currentFunction(), "an OpSwitch without a merge", term.where);
        Id merge = selMerge_[b];
        emitSwitch(b, term, merge);
        return merge == stop ? 0 : merge;
    }
    case Op::OpBranchConditional: {
        Id cond = term.operands[0], t = term.operands[1], f = term.operands[2];
        if (selMerge_.count(b)) {
            Id merge = selMerge_[b];
            emitSelection(b, cond, t, f, merge);
            return merge == stop ? 0 : merge;
        }
        // A conditional break, continue or back edge: no merge. The lanes
        // that leave are parked; the others go on.
        // 2: a break or continue (parked), 1: the end of the region, 0: on.
        auto kind = [&](Id target) {
            if (!loops_.empty() && (target == loops_.back().merge || target == loops_.back().cont ||
                                    std::find(loops_.back().exits.begin(), loops_.back().exits.end(), target) !=
                                        loops_.back().exits.end()))
                return 2;
            if (target == stop)
                return 1;
            return 0;
        };
        int kt = kind(t), kf = kind(f);
        if ((kt == 0 && kf == 0) || kt + kf == 1)
            failStructure(currentFunction(),
                          fmt::format("a conditional branch in block {} without a merge: unstructured control flow",
                                      blockName(b)),
                          term.where);
        if (t == f)
            return edgeTo(b, t, stop);
        Opnd c = one(cond);
        Opnd tMask = newS(), fMask = newS();
        emit("v_cmp_ne_u32", {tMask, lit(c, 32), Opnd::i(0)});
        emit("s_andn2", {fMask, Opnd::p("exec"), tMask});
        Opnd save = newS();
        emit("s_mov", {save, Opnd::p("exec")});
        Id next = 0;
        // Escapes first, each under its own lanes; then the lanes that go on.
        for (int pass = 0; pass < 2; pass++) {
            for (int side = 0; side < 2; side++) {
                Id target = side == 0 ? t : f;
                int k = side == 0 ? kt : kf;
                Opnd mask = side == 0 ? tMask : fMask;
                if ((pass == 0) != (k == 2))
                    continue;
                emit("s_mov", {Opnd::p("exec"), mask});
                if (k == 2) {
                    edgeCopies(b, target);
                    const LoopCtx& loop = loops_.back();
                    auto exit = std::find(loop.exits.begin(), loop.exits.end(), target);
                    if (exit != loop.exits.end()) {
                        Opnd m = loop.exitMasks[static_cast<std::size_t>(exit - loop.exits.begin())];
                        emit("s_or", {m, m, Opnd::p("exec")});
                    }
                    Opnd park = target == loop.cont && exit == loop.exits.end() ? loop.cnt : loop.brk;
                    emit("s_or", {park, park, Opnd::p("exec")});
                } else {
                    edgeCopies(b, target);
                    if (k == 0)
                        next = target;
                }
            }
        }
        if (kt == 2 && kf == 2) {
            emit("s_mov", {Opnd::p("exec"), Opnd::i(0)});
            emit("s_branch", {Opnd::l(skip_.back())});
            return 0;
        }
        emit("s_cbranch_execz", {Opnd::l(skip_.back())});
        return next;
    }
    default:
        failAt(term, fmt::format("terminator {} is not supported", opName(term.op)));
    }
}

void Lowering::emitArm(Id from, Id target, Id merge)
{
    Id next = edgeTo(from, target, merge);
    if (next)
        emitRegion(next, merge);
}

void Lowering::emitSelection(Id b, Id cond, Id t, Id f, Id merge)
{
    Opnd c = one(cond);
    std::string elseLabel = newLabel("else"), endLabel = newLabel("endif");
    if (!isVector(c)) {
        if (c.isImm()) {
            emitArm(b, c.imm ? t : f, merge);
            return;
        }
        // Uniform: every lane takes the same side.
        emit("s_cbranch_z", {c, Opnd::l(elseLabel)});
        skip_.push_back(endLabel);
        emitArm(b, t, merge);
        emit("s_branch", {Opnd::l(endLabel)});
        label(elseLabel);
        emitArm(b, f, merge);
        skip_.pop_back();
        label(endLabel);
        return;
    }
    Opnd save = newS(), thenMask = newS();
    emit("s_mov", {save, Opnd::p("exec")});
    emit("v_cmp_ne_u32", {thenMask, c, Opnd::i(0)});
    emit("s_mov", {Opnd::p("exec"), thenMask});
    emit("s_cbranch_execz", {Opnd::l(elseLabel)});
    skip_.push_back(elseLabel);
    emitArm(b, t, merge);
    skip_.pop_back();
    label(elseLabel);
    emit("s_andn2", {Opnd::p("exec"), save, thenMask});
    emit("s_cbranch_execz", {Opnd::l(endLabel)});
    skip_.push_back(endLabel);
    emitArm(b, f, merge);
    skip_.pop_back();
    label(endLabel);
    Opnd parked = parkedMask();
    emit("s_andn2", {Opnd::p("exec"), save, parked});
}

std::vector<std::pair<std::uint64_t, Id>> Lowering::switchCases(const Inst& term) const
{
    Id selector = term.operands[0];
    Id t = defs_.count(selector) ? defs_.at(selector)->type : m_.constants.at(selector).type;
    std::size_t words = scalarWidth(t) > 32 ? 2 : 1;
    std::vector<std::pair<std::uint64_t, Id>> cases;
    for (std::size_t i = 2; i + words < term.operands.size(); i += words + 1) {
        std::uint64_t value = term.operands[i];
        if (words == 2)
            value |= std::uint64_t{term.operands[i + 1]} << 32;
        cases.push_back({value, term.operands[i + words]});
    }
    return cases;
}

// A switch is a chain of masked cases: each target runs for the lanes whose
// selector matches one of its literals; the default gets the rest. A case
// that falls through into another is emitted again inside it.
void Lowering::emitSwitch(Id b, const Inst& term, Id merge)
{
    Opnd sel = one(term.operands[0]);
    Id st = defs_.count(term.operands[0]) ? defs_.at(term.operands[0])->type : m_.constants.at(term.operands[0]).type;
    unsigned w = scalarWidth(st);
    auto cases = switchCases(term);
    std::vector<Id> targets;
    for (auto& [value, target] : cases)
        if (std::find(targets.begin(), targets.end(), target) == targets.end())
            targets.push_back(target);
    Id defaultTarget = term.operands[1];
    Opnd save = newS(), remaining = newS();
    emit("s_mov", {save, Opnd::p("exec")});
    emit("s_mov", {remaining, Opnd::p("exec")});
    auto runArm = [&](Id target, const Opnd& mask) {
        std::string next = newLabel("case");
        emit("s_and", {Opnd::p("exec"), remaining, mask});
        emit("s_andn2", {remaining, remaining, Opnd::p("exec")});
        emit("s_cbranch_execz", {Opnd::l(next)});
        skip_.push_back(next);
        emitArm(b, target, merge);
        skip_.pop_back();
        label(next);
    };
    // Every compare under the exec of the switch: a compare only sets the
    // bits of active lanes, and the arms change exec.
    std::vector<std::pair<Id, Opnd>> arms;
    for (Id target : targets) {
        if (target == defaultTarget)
            continue; // the default's literals are covered by the default
        Opnd mask = newS();
        emit("s_mov", {mask, Opnd::i(0)});
        for (auto& [value, t] : cases) {
            if (t != target)
                continue;
            Opnd m = newS();
            Opnd lv = lit(Opnd::i(value), w > 32 ? 64 : 32);
            emit(w > 32 ? "v_cmp_eq_u64" : "v_cmp_eq_u32", {m, lit(sel, w > 32 ? 64 : 32), lv.isImm() && sel.isImm() ? toScalar(lv) : lv});
            emit("s_or", {mask, mask, m});
        }
        arms.push_back({target, mask});
    }
    for (auto& [target, mask] : arms)
        runArm(target, mask);
    runArm(defaultTarget, save);
    Opnd parked = parkedMask();
    emit("s_andn2", {Opnd::p("exec"), save, parked});
}

void Lowering::emitLoop(Id header)
{
    auto [merge, cont] = loopMerge_[header];
    LoopCtx loop{header, merge, cont, Opnd::r(newReg(false, true)), Opnd::r(newReg(false, true)), {}, {}};
    if (loopExits_.count(header)) {
        loop.exits = loopExits_[header];
        for (std::size_t i = 0; i < loop.exits.size(); i++) {
            loop.exitMasks.push_back(Opnd::r(newReg(false, true)));
            emit("s_mov", {loop.exitMasks.back(), Opnd::i(0)});
        }
    }
    std::string top = newLabel("loop"), contLabel = newLabel("cont"), exit = newLabel("endloop");
    emit("s_mov", {loop.brk, Opnd::i(0)});
    std::size_t start = code_.size();
    label(top);
    emit("s_mov", {loop.cnt, Opnd::i(0)});
    loops_.push_back(loop);
    skip_.push_back(contLabel);
    if (cont == header) {
        // The header is its own latch. Lanes that go on leave through a
        // block that only branches to the merge (taken into the body): run
        // it, so that they are parked in brk rather than looping again.
        if (Id next = step(header, header))
            emitRegion(next, header);
    } else {
        Id next = step(header, cont);
        if (next)
            emitRegion(next, cont);
    }
    skip_.pop_back();
    label(contLabel);
    emit("s_or", {Opnd::p("exec"), Opnd::p("exec"), loop.cnt});
    if (cont != header) {
        emit("s_cbranch_execz", {Opnd::l(exit)});
        skip_.push_back(exit);
        Id b = cont;
        while (b && b != header)
            b = step(b, header);
        skip_.pop_back();
    }
    emit("s_cbranch_execnz", {Opnd::l(top)});
    label(exit);
    loopSpans_.push_back({top, exit});
    (void)start;
    emit("s_mov", {Opnd::p("exec"), loop.brk});
    loops_.pop_back();
    if (!loop.exits.empty()) {
        // Each exit's code for its own lanes, up to where the exits meet.
        for (std::size_t i = 0; i < loop.exits.size(); i++) {
            std::string next = newLabel("exit");
            emit("s_mov", {Opnd::p("exec"), loop.exitMasks[i]});
            emit("s_cbranch_execz", {Opnd::l(next)});
            skip_.push_back(next);
            emitRegion(loop.exits[i], merge);
            skip_.pop_back();
            label(next);
        }
        Opnd parked = parkedMask();
        emit("s_andn2", {Opnd::p("exec"), loop.brk, parked});
    }
}

// Linearisation, for CFGs the structured lowering cannot handle: the blocks
// run in one fixed order, each under the lanes that wait for it. vnext holds
// per lane the position of the block the lane waits for (kReturned once it
// returned); a back edge's source sends the sweep back to the target at once
// when a lane took it, so no lane ever waits behind the sweep except there,
// and the lanes waiting further on are picked up as the sweep passes them.
void Lowering::emitLinear(const Function& fn)
{
    constexpr std::uint64_t kReturned = 0x7fffffff;
    Id entry = fn.blocks.front().label;
    Dominance dom = dominance(entry);
    const std::vector<Id>& rpoOrder = dom.order;
    std::unordered_map<Id, int>& rpo = dom.rpo;
    auto dominates = [&](Id a, Id b) { return dom.dominates(a, b); };

    // Back edges (to a block that dominates the source; any other edge
    // against the DFS order means the CFG is irreducible) and natural loops.
    std::set<std::pair<Id, Id>> backEdges;
    std::unordered_map<Id, std::unordered_set<Id>> body;
    for (Id u : rpoOrder)
        for (Id v : succs_[u]) {
            if (rpo[v] > rpo[u])
                continue;
            if (!dominates(v, u))
                failAt(block(u).body.back(),
                       fmt::format("irreducible control flow: the cycle through blocks {} and {} has several "
                                   "entries (not supported)",
                                   blockName(v), blockName(u)));
            backEdges.insert({u, v});
            std::unordered_set<Id>& loop = body[v];
            loop.insert(v);
            std::vector<Id> work;
            if (loop.insert(u).second)
                work.push_back(u);
            while (!work.empty()) {
                Id x = work.back();
                work.pop_back();
                for (Id p : preds_[x])
                    if (rpo.count(p) && loop.insert(p).second)
                        work.push_back(p);
            }
        }

    // A topological order of the forward edges that keeps each loop's
    // blocks together: the ready block of the innermost open loop first
    // (each in reverse post-order), a loop is closed when it has none.
    std::unordered_map<Id, int> forwardPreds;
    for (Id u : rpoOrder)
        for (Id v : succs_[u])
            if (!backEdges.count({u, v}))
                forwardPreds[v]++;
    std::vector<Id> order, ready{entry}, open;
    std::vector<std::pair<Id, std::size_t>> loopEnds; // header, position of its last block
    while (!ready.empty()) {
        std::size_t best = ready.size();
        for (;;) {
            for (std::size_t i = 0; i < ready.size(); i++)
                if ((open.empty() || body[open.back()].count(ready[i])) &&
                    (best == ready.size() || rpo[ready[i]] < rpo[ready[best]]))
                    best = i;
            if (best != ready.size() || open.empty())
                break;
            loopEnds.push_back({open.back(), order.size() - 1});
            open.pop_back();
        }
        Id b = ready[best];
        ready.erase(ready.begin() + static_cast<long>(best));
        if (body.count(b))
            open.push_back(b);
        order.push_back(b);
        for (Id s : succs_[b])
            if (!backEdges.count({b, s}) && --forwardPreds[s] == 0)
                ready.push_back(s);
    }
    while (!open.empty()) {
        loopEnds.push_back({open.back(), order.size() - 1});
        open.pop_back();
    }
    if (order.size() != rpoOrder.size())
        fail(fmt::format("internal: the linear order of {} holds {} of its {} blocks", blockName(entry), order.size(),
                         rpoOrder.size()));
    std::unordered_map<Id, std::uint64_t> pos;
    std::vector<std::string> labels;
    for (std::size_t i = 0; i < order.size(); i++) {
        pos[order[i]] = i;
        labels.push_back(newLabel("block"));
    }
    std::string end = newLabel("linear_end");
    labels.push_back(end);

    Opnd all = Opnd::r(newReg(false, true)), vnext = Opnd::r(newReg(true, true));
    emit("s_mov", {all, Opnd::p("exec")});
    copyTo(vnext, Opnd::i(0));
    auto waitFor = [&](std::uint64_t position) { copyTo(vnext, Opnd::i(position)); };
    for (std::size_t i = 0; i < order.size(); i++) {
        Id b = order[i];
        const Block& blk = block(b);
        label(labels[i]);
        linearBlockLabels_.push_back(labels[i]);
        if (i > 0) {
            // The entry block runs once, for every lane.
            emit("s_mov", {Opnd::p("exec"), all});
            emit("v_cmp_eq_u32", {Opnd::p("exec"), vnext, lit(Opnd::i(i), 32)});
            emit("s_cbranch_execz", {Opnd::l(labels[i + 1])});
        }
        for (std::size_t k = 0; k + 1 < blk.body.size(); k++)
            lowerInst(blk.body[k]);
        const Inst& term = blk.body.back();
        auto edge = [&](Id target) {
            edgeCopies(b, target);
            waitFor(pos.at(target));
        };
        switch (term.op) {
        case Op::OpReturn:
        case Op::OpReturnValue:
        case Op::OpKill:
        case Op::OpUnreachable:
            copyReturnValue(term);
            waitFor(kReturned);
            break;
        case Op::OpBranch:
            edge(term.operands[0]);
            break;
        case Op::OpBranchConditional: {
            Id t = term.operands[1], f = term.operands[2];
            Opnd c = one(term.operands[0]);
            if (t == f || c.isImm()) {
                edge(t == f || c.imm ? t : f);
                break;
            }
            Opnd tMask = newS(), fMask = newS();
            emit("v_cmp_ne_u32", {tMask, c, Opnd::i(0)});
            emit("s_andn2", {fMask, Opnd::p("exec"), tMask});
            emit("s_mov", {Opnd::p("exec"), tMask});
            edge(t);
            emit("s_mov", {Opnd::p("exec"), fMask});
            edge(f);
            break;
        }
        case Op::OpSwitch: {
            Opnd sel = one(term.operands[0]);
            Id st = defs_.count(term.operands[0]) ? defs_.at(term.operands[0])->type
                                                  : m_.constants.at(term.operands[0]).type;
            unsigned w = scalarWidth(st) > 32 ? 64 : 32;
            Id defaultTarget = term.operands[1];
            auto cases = switchCases(term);
            // Every compare under the block's lanes, before exec changes.
            std::vector<std::pair<Id, Opnd>> arms;
            for (auto& [value, target] : cases) {
                if (target == defaultTarget)
                    continue;
                auto arm = std::find_if(arms.begin(), arms.end(), [&](const auto& a) { return a.first == target; });
                if (arm == arms.end()) {
                    arms.push_back({target, newS()});
                    emit("s_mov", {arms.back().second, Opnd::i(0)});
                    arm = arms.end() - 1;
                }
                Opnd m = newS();
                Opnd lv = lit(Opnd::i(value), w);
                emit(w > 32 ? "v_cmp_eq_u64" : "v_cmp_eq_u32",
                     {m, lit(sel, w), lv.isImm() && sel.isImm() ? toScalar(lv) : lv});
                emit("s_or", {arm->second, arm->second, m});
            }
            Opnd remaining = newS();
            emit("s_mov", {remaining, Opnd::p("exec")});
            for (auto& [target, mask] : arms) {
                emit("s_and", {Opnd::p("exec"), remaining, mask});
                emit("s_andn2", {remaining, remaining, Opnd::p("exec")});
                edge(target);
            }
            emit("s_mov", {Opnd::p("exec"), remaining});
            edge(defaultTarget);
            break;
        }
        default:
            failAt(term, fmt::format("terminator {} is not supported", opName(term.op)));
        }
        // Back edges: send the sweep back, to the earliest target first.
        std::vector<std::uint64_t> back;
        for (Id s : succs_[b])
            if (backEdges.count({b, s}))
                back.push_back(pos.at(s));
        std::sort(back.begin(), back.end());
        for (std::uint64_t target : back) {
            Opnd waiting = newS();
            emit("s_mov", {Opnd::p("exec"), all});
            emit("v_cmp_eq_u32", {waiting, vnext, lit(Opnd::i(target), 32)});
            emit("s_cbranch_nz", {waiting, Opnd::l(labels[target])});
        }
    }
    label(end);
    // Every lane has returned.
    emit("s_mov", {Opnd::p("exec"), all});
    for (auto& [header, last] : loopEnds)
        loopSpans_.push_back({labels[pos.at(header)], labels[last + 1], true});
}

// ================================================================ registers

std::string Lowering::opText(const Opnd& o, const std::vector<std::string>& names) const
{
    switch (o.kind) {
    case Opnd::Reg:
        return names.empty() ? fmt::format("{}{}", regVector_[o.reg] ? "%v" : "%s", o.reg) : names[o.reg];
    case Opnd::Imm: {
        auto v = static_cast<std::int64_t>(o.imm);
        if (v >= -65536 && v <= 65536)
            return fmt::format("{}", v);
        if (o.imm <= 0xffffffff)
            return fmt::format("0x{:x}", o.imm);
        return fmt::format("{}", static_cast<std::int32_t>(o.imm));
    }
    case Opnd::Phys:
    case Opnd::Label:
        return o.text;
    case Opnd::None:
        break;
    }
    return "?";
}

std::string Lowering::allocate(std::uint32_t* sregs, std::uint32_t* vregs, std::optional<std::uint32_t>* victim)
{
    std::size_t n = regVector_.size();
    std::unordered_map<std::string, long> labelAt;
    for (std::size_t i = 0; i < code_.size(); i++)
        if (code_[i].op.empty())
            labelAt[code_[i].ops[0].text] = static_cast<long>(i);
    std::vector<long> first(n, -1), last(n, -1);
    for (std::size_t i = 0; i < code_.size(); i++) {
        for (const Opnd& o : code_[i].ops) {
            if (o.kind != Opnd::Reg)
                continue;
            if (first[o.reg] < 0)
                first[o.reg] = static_cast<long>(i);
            last[o.reg] = static_cast<long>(i);
        }
    }
    // Extend intervals over the loops they cross (and over any loop for
    // registers written more than once: variables, phis, masks). In a
    // linearised loop, a lane may wait at a later block while the sweep
    // runs the loop's other blocks again: a value live from one block into
    // another holds the whole loop.
    std::vector<long> blockStarts;
    for (const std::string& l : linearBlockLabels_)
        blockStarts.push_back(labelAt.at(l));
    std::sort(blockStarts.begin(), blockStarts.end());
    auto crossesBlocks = [&](long a, long b) {
        auto it = std::upper_bound(blockStarts.begin(), blockStarts.end(), a);
        return it != blockStarts.end() && *it <= b;
    };
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t r = 0; r < n; r++) {
            if (first[r] < 0)
                continue;
            for (const LoopSpan& span : loopSpans_) {
                long ls = labelAt.at(span.top), le = labelAt.at(span.exit);
                bool overlaps = first[r] <= le && last[r] >= ls;
                bool inside = first[r] >= ls && last[r] <= le;
                bool pinned = regMultiDef_[r] || (span.linear && crossesBlocks(first[r], last[r]));
                if (overlaps && (!inside || pinned) && (first[r] > ls || last[r] < le)) {
                    first[r] = std::min(first[r], ls);
                    last[r] = std::max(last[r], le);
                    changed = true;
                }
            }
        }
    }
    std::vector<std::size_t> order;
    for (std::size_t r = 0; r < n; r++)
        if (first[r] >= 0)
            order.push_back(r);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return first[a] < first[b]; });
    std::vector<std::string> names(n);
    std::set<unsigned> freeS, freeV;
    for (unsigned i = kFirstFreeSreg; i < VSVM_ISA_NUM_SREGS; i++)
        freeS.insert(i);
    for (unsigned i = kFirstFreeVreg; i < VSVM_ISA_NUM_VREGS; i++)
        freeV.insert(i);
    std::vector<unsigned> phys(n);
    std::multimap<long, std::size_t> active; // end -> reg
    unsigned maxS = 0, maxV = 0;
    for (std::size_t r : order) {
        while (!active.empty() && active.begin()->first < first[r]) {
            std::size_t done = active.begin()->second;
            (regVector_[done] ? freeV : freeS).insert(phys[done]);
            active.erase(active.begin());
        }
        std::set<unsigned>& pool = regVector_[r] ? freeV : freeS;
        if (pool.empty() && regVector_[r]) {
            // Spill the live value (or this one) whose interval ends last,
            // then the caller allocates again.
            std::optional<std::size_t> best;
            if (!noSpill_.count(static_cast<std::uint32_t>(r)))
                best = r;
            for (auto& [end, live] : active)
                if (regVector_[live] && !noSpill_.count(static_cast<std::uint32_t>(live)) &&
                    (!best || last[live] > last[*best]))
                    best = live;
            if (best) {
                *victim = static_cast<std::uint32_t>(*best);
                return {};
            }
        }
        if (pool.empty())
            fail(fmt::format("more live {} values than registers ({} at once){}",
                             regVector_[r] ? "per-lane" : "uniform",
                             regVector_[r] ? VSVM_ISA_NUM_VREGS - kFirstFreeVreg : VSVM_ISA_NUM_SREGS - kFirstFreeSreg,
                             regVector_[r] ? "" : ": uniform values are not spilled"));
        phys[r] = *pool.begin();
        pool.erase(pool.begin());
        names[r] = fmt::format("{}{}", regVector_[r] ? 'v' : 's', phys[r]);
        (regVector_[r] ? maxV : maxS) = std::max(regVector_[r] ? maxV : maxS, phys[r] + 1);
        active.insert({last[r], r});
    }
    *sregs = maxS;
    *vregs = maxV;

    std::string text;
    for (const MInst& inst : code_) {
        if (inst.op.empty()) {
            text += inst.ops[0].text + ":\n";
            continue;
        }
        text += "    " + inst.op;
        const char* sep = " ";
        for (const Opnd& o : inst.ops) {
            text += sep + opText(o, names);
            sep = ", ";
        }
        text += "\n";
    }
    return text;
}

// The lanes' stacks, for spills when there are no private arrays: the
// prologue that computes the base goes first in the code.
void Lowering::ensureStack(Lowered& out)
{
    if (stackBase_.kind == Opnd::Reg)
        return;
    if (userSlots_ >= VSVM_ISA_MAX_ARGS)
        fail(fmt::format("no argument slot left for the private stack ({} arguments at most)", VSVM_ISA_MAX_ARGS));
    out.signature.params.push_back({ArgType::Ptr, "private_stack"});
    Opnd hiddenArg = Opnd::p(fmt::format("s{}", userSlots_));
    std::vector<MInst> saved = std::move(code_);
    code_.clear();
    Opnd lanes = newS(), group = newS(), index = newV();
    emit("s_mul", {lanes, Opnd::p("s19"), Opnd::p("s20")});
    emit("s_mul", {lanes, lanes, Opnd::p("s21")});
    emit("s_mul", {group, Opnd::p("s23"), Opnd::p("s18")});
    emit("s_add", {group, group, Opnd::p("s17")});
    emit("s_mul", {group, group, Opnd::p("s22")});
    emit("s_add", {group, group, Opnd::p("s16")});
    emit("s_mul", {group, group, lanes});
    emit("v_add_u64", {index, Opnd::p("v6"), group});
    emit("v_mul_u64", {index, index, Opnd::i(0)});
    code_.back().stackSize = true;
    stackBase_ = newV();
    emit("v_add_u64", {stackBase_, index, hiddenArg});
    noSpill_.insert(stackBase_.reg);
    code_.insert(code_.end(), saved.begin(), saved.end());
}

// A vector register to the lane's stack: a load before every read, a store
// after every write. Both are masked by exec like the register would be.
void Lowering::spill(std::uint32_t reg)
{
    std::uint64_t slot = privateBytes_;
    privateBytes_ += 8;
    std::vector<MInst> out;
    out.reserve(code_.size() + 16);
    for (MInst& inst : code_) {
        bool uses = false;
        for (const Opnd& o : inst.ops)
            uses |= o.kind == Opnd::Reg && o.reg == reg;
        if (!uses || inst.op.empty()) {
            out.push_back(std::move(inst));
            continue;
        }
        const std::string& op = inst.op;
        bool noDef = op.find("store") != std::string::npos || op.starts_with("s_cbranch") || op == "s_branch";
        bool readsD = op == "v_fma_f32" || op == "v_mac_f32" || op.find("cmpxchg") != std::string::npos;
        Opnd tmp = newV();
        noSpill_.insert(tmp.reg);
        bool readsOther = false;
        for (std::size_t i = 0; i < inst.ops.size(); i++)
            if (inst.ops[i].kind == Opnd::Reg && inst.ops[i].reg == reg && (i > 0 || noDef || readsD))
                readsOther = true;
        bool defines = !noDef && inst.ops[0].kind == Opnd::Reg && inst.ops[0].reg == reg;
        // The store after a write is masked like the write: the other
        // lanes' slots keep their values, so a pure write needs no load.
        if (readsOther)
            out.push_back({"v_load_u64", {tmp, stackBase_, Opnd::i(slot)}});
        for (Opnd& o : inst.ops)
            if (o.kind == Opnd::Reg && o.reg == reg)
                o = tmp;
        out.push_back(std::move(inst));
        if (defines)
            out.push_back({"v_store_b64", {stackBase_, tmp, Opnd::i(slot)}});
    }
    code_ = std::move(out);
}

// ================================================================ driver

void Lowering::run(Lowered& out, bool emitIr)
{
    for (const Function& fn : m_.functions)
        if (fn.id == entry_.function)
            f_ = &fn;
    if (!f_)
        fail("the entry point has no function body");
    kernel_ = entry_.model == spv::ExecutionModel::Kernel;
    launch_ = kernel_ && launchBlock_;
    out.name = entry_.name;
    out.localSize = entry_.localSize;

    const bool printfDoubles = doublesOnlyForPrintf();
    for (spv::Capability cap : m_.capabilities) {
        switch (cap) {
        case spv::Capability::Float64:
            if (!printfDoubles)
                fail("the module uses doubles (Float64): the vsvm ISA has no double precision");
            break;
        case spv::Capability::Float16:
            fail("the module computes in half precision (Float16, cl_khr_fp16): not supported; half is a "
                 "storage format here (vload_half, vstore_half)");
        case spv::Capability::ImageBasic:
        case spv::Capability::Sampled1D:
        case spv::Capability::SampledBuffer:
            fail(fmt::format("capability {} (images) is not supported", capabilityName(cap)));
        default:
            break;
        }
    }
    for (const auto& [id, t] : m_.types)
        if (t.kind == TypeKind::Float && t.width == 64 && !printfDoubles)
            fail("the module uses doubles: the vsvm ISA has no double precision");

    buildCfg(*f_);
    if (!linearFns_.count(f_->id))
        deriveStructure(*f_);
    prepared_.insert(f_->id);

    // Arguments.
    std::vector<Opnd> entryCopies;
    unsigned slot = 0;
    auto argType = [&](Id t, const std::string& name, bool isSigned, const Location& where) {
        const Type& ty = type(t);
        ArgType at = ArgType::U64;
        if (ty.kind == TypeKind::Pointer) {
            // __local: the offset in the LDS of the buffer the caller reserved.
            at = ty.storage == spv::StorageClass::Workgroup ? ArgType::U32 : ArgType::Ptr;
        } else if (ty.kind == TypeKind::Float) {
            if (ty.width != 32)
                fail(fmt::format("parameter '{}' is a {}-bit float: ISA v2 has float32 only", name, ty.width), where);
            at = ArgType::F32;
        } else if (ty.kind == TypeKind::Int || ty.kind == TypeKind::Bool) {
            unsigned w = ty.kind == TypeKind::Bool ? 8 : ty.width;
            at = w <= 32 ? (isSigned ? ArgType::I32 : ArgType::U32) : (isSigned ? ArgType::I64 : ArgType::U64);
        } else {
            fail(fmt::format("parameter '{}' of type {} is not supported (pass a pointer)", name, opName(ty.op)),
                 where);
        }
        return at;
    };
    auto addParam = [&](Id t, const std::string& name, bool isSigned, const Location& where) {
        if (slot >= VSVM_ISA_MAX_ARGS)
            fail(fmt::format("more than {} kernel arguments", VSVM_ISA_MAX_ARGS), where);
        out.signature.params.push_back({argType(t, name, isSigned, where), name});
        unsigned first = slot++;
        return paramComps(t, [&](std::uint32_t) { return Opnd::p(fmt::format("s{}", first)); })[0];
    };
    std::set<std::string> usedNames;
    auto uniqueName = [&](std::string name) {
        std::string clean;
        for (char c : name)
            clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
        if (clean.empty() || std::isdigit(static_cast<unsigned char>(clean[0])) || usedNames.count(clean))
            return std::string();
        usedNames.insert(clean);
        return clean;
    };
    // A vector by value: its bytes as in memory, 8 to a slot (paramComps()).
    auto checkVectorParam = [&](Id t, const std::string& name, const Location& where) {
        const Type& ty = type(t);
        const Type& et = type(ty.element);
        if (et.kind == TypeKind::Float && et.width != 32)
            fail(fmt::format("parameter '{}' is a vector of {}-bit floats: ISA v2 has float32 only", name, et.width),
                 where);
        if (et.kind != TypeKind::Float && et.kind != TypeKind::Int)
            fail(fmt::format("parameter '{}': a vector of {} by value is not supported", name, opName(et.op)), where);
    };
    // The signature refuses two arguments of one name: a parameter called
    // "launch" goes unnamed.
    if (launch_)
        usedNames.insert("launch");
    // With a launch block, the parameters from the first that does not fit
    // in kLaunchRegisterSlots on are in the block (cc.h).
    bool inBlock = false;
    std::uint32_t blockWords = 0;
    for (const Inst& p : f_->params) {
        std::string name = m_.names.count(p.result) ? uniqueName(m_.names.at(p.result)) : "";
        const Type& ty = type(p.type);
        KernelParamLayout layout{KernelParamLayout::Kind::Scalar, slot, 1, 0};
        std::vector<KernelParam> words;
        if (ty.kind == TypeKind::Vector) {
            checkVectorParam(p.type, name, p.where);
            std::uint64_t bytes = sizeOf(p.type);
            layout.kind = KernelParamLayout::Kind::Vector;
            layout.slots = static_cast<std::uint32_t>((bytes + 7) / 8);
            layout.bytes = static_cast<std::uint32_t>(bytes);
            for (std::uint32_t i = 0; i < layout.slots; i++)
                words.push_back({ArgType::U64, i == 0 ? name : std::string()});
        } else {
            if (ty.kind == TypeKind::Pointer)
                layout.kind = ty.storage == spv::StorageClass::Workgroup         ? KernelParamLayout::Kind::Local
                              : ty.storage == spv::StorageClass::UniformConstant ? KernelParamLayout::Kind::Constant
                                                                                   : KernelParamLayout::Kind::Global;
            words.push_back({argType(p.type, name, false, p.where), name});
        }
        inBlock = inBlock || (launch_ && slot + layout.slots > kLaunchRegisterSlots);
        if (inBlock) {
            layout.inLaunchBlock = true;
            layout.firstSlot = blockWords;
            blockWords += layout.slots;
            out.launchSignature.params.insert(out.launchSignature.params.end(), words.begin(), words.end());
            blockParams_[p.result] = {p.type, layout.firstSlot};
            out.kernelParams.push_back(layout);
            continue;
        }
        if (slot + layout.slots > VSVM_ISA_MAX_ARGS) {
            if (ty.kind == TypeKind::Vector)
                fail(fmt::format("more than {} kernel argument slots (a {}-byte vector by value takes {})",
                                 VSVM_ISA_MAX_ARGS, layout.bytes, layout.slots),
                     p.where);
            fail(fmt::format("more than {} kernel arguments", VSVM_ISA_MAX_ARGS), p.where);
        }
        out.signature.params.insert(out.signature.params.end(), words.begin(), words.end());
        std::uint32_t first = slot;
        slot += layout.slots;
        setRegs(p.result, paramComps(p.type, [&](std::uint32_t i) { return Opnd::p(fmt::format("s{}", first + i)); }));
        out.kernelParams.push_back(layout);
    }
    if (launch_) {
        // The block's address after the arguments in registers.
        out.signature.params.push_back({ArgType::Ptr, "launch"});
        out.launchSlot = slot;
        launchArg_ = Opnd::p(fmt::format("s{}", slot++));
    }
    // GLSL: the push-constant block's members.
    for (Id id : entry_.interface) {
        (void)id;
    }
    for (const auto& [id, g] : m_.globals) {
        if (static_cast<spv::StorageClass>(g.operands[0]) != spv::StorageClass::PushConstant)
            continue;
        Id block = type(g.type).element;
        const Type& bt = type(block);
        for (std::uint32_t i = 0; i < bt.members.size(); i++) {
            auto name = m_.memberNames.find({block, i});
            const Type& mt = type(bt.members[i]);
            bool isSigned = mt.kind == TypeKind::Int && mt.isSigned;
            Opnd r = addParam(bt.members[i], name != m_.memberNames.end() ? uniqueName(name->second) : "", isSigned,
                              g.where);
            pushConstRegs_.push_back(r.reg);
        }
    }

    userSlots_ = slot;
    layoutPrivateMemory();
    analyseUniformity(*f_);

    // Phi registers, by the phi's uniformity.
    for (const Block& b : f_->blocks)
        for (const Inst& inst : b.body)
            if (inst.op == Op::OpPhi) {
                std::vector<Opnd> regs;
                for (std::uint32_t i = 0; i < leafCount(inst.type); i++)
                    regs.push_back(Opnd::r(newReg(varying(inst.result), true)));
                phiRegs_[inst.result] = regs;
                setRegs(inst.result, regs);
            }
    if (privateBytes_) {
        // The hidden argument after the user's: the base of the stacks.
        // Lane L's stack is base + L * privateBytes_, L = the flat global
        // lane index (cc.h).
        if (slot >= VSVM_ISA_MAX_ARGS)
            fail(fmt::format("no argument slot left for the private stack ({} arguments at most)", VSVM_ISA_MAX_ARGS));
        out.signature.params.push_back({ArgType::Ptr, "private_stack"});
        Opnd hiddenArg = Opnd::p(fmt::format("s{}", slot++));
        Opnd lanes = newS(), group = newS(), index = newV();
        emit("s_mul", {lanes, Opnd::p("s19"), Opnd::p("s20")});
        emit("s_mul", {lanes, lanes, Opnd::p("s21")});
        emit("s_mul", {group, Opnd::p("s23"), Opnd::p("s18")});
        emit("s_add", {group, group, Opnd::p("s17")});
        emit("s_mul", {group, group, Opnd::p("s22")});
        emit("s_add", {group, group, Opnd::p("s16")});
        emit("s_mul", {group, group, lanes});
        emit("v_add_u64", {index, Opnd::p("v6"), group});
        emit("v_mul_u64", {index, index, Opnd::i(0)});
        code_.back().stackSize = true;
        stackBase_ = vop2("v_add_u64", index, hiddenArg, 64);
        noSpill_.insert(stackBase_.reg);
        // Module-scope Private variables in memory: their address now, in
        // every lane, not where they are first used.
        for (const auto& [id, offset] : privateOffset_) {
            if (!m_.globals.count(id))
                continue;
            Opnd addr = vop2("v_add_u64", stackBase_, lit(Opnd::i(offset), 64), 64);
            setRegs(id, {addr});
            const Inst& g = m_.globals.at(id);
            if (g.operands.size() > 1) {
                std::vector<Opnd> init = val(g.operands[1]).comps;
                memAccess(true, spv::StorageClass::Private, addr, type(g.type).element, &init, nullptr);
            }
        }
    }
    for (const Inst& var : f_->variables)
        bindVariable(var);

    sRet_ = Opnd::r(newReg(false, true));
    emit("s_mov", {sRet_, Opnd::i(0)});
    epilogue_ = ".Lend";
    skip_.push_back(epilogue_);
    if (linearFns_.count(f_->id))
        emitLinear(*f_);
    else
        emitRegion(f_->blocks.front().label, 0);
    label(epilogue_);
    emit("s_endpgm", {});

    if (emitIr) {
        std::string ir;
        for (const MInst& inst : code_) {
            if (inst.op.empty()) {
                ir += inst.ops[0].text + ":\n";
                continue;
            }
            ir += "    " + inst.op;
            const char* sep = " ";
            for (const Opnd& o : inst.ops) {
                ir += sep + opText(o, {});
                sep = ", ";
            }
            ir += "\n";
        }
        out.ir = std::move(ir);
    }

    std::uint32_t sregs = 0, vregs = 0;
    std::string body;
    for (int spills = 0;; spills++) {
        std::optional<std::uint32_t> victim;
        body = allocate(&sregs, &vregs, &victim);
        if (!victim)
            break;
        if (spills > 4096)
            fail("register allocation does not converge");
        ensureStack(out);
        spill(*victim);
    }
    // Spill slots came after the layout: the lane's stride stays a
    // multiple of the stacks' alignment.
    privateBytes_ = (privateBytes_ + privateAlign_ - 1) / privateAlign_ * privateAlign_;
    for (MInst& inst : code_)
        if (inst.stackSize)
            inst.ops[2] = Opnd::i(privateBytes_ & 0xffffffff);
    if (privateBytes_) {
        // Patched sizes change no interval: the text again, with the names.
        std::optional<std::uint32_t> none;
        body = allocate(&sregs, &vregs, &none);
    }
    out.privateBytesPerLane = privateBytes_;
    out.privateAlign = privateBytes_ ? privateAlign_ : 0;
    out.constants = constData_;
    out.printfFormats = printfFormats_;
    // The lowest version that has every instruction (LDS needs v2; 64-bit
    // LDS atomics need v3), so that a program runs on every device it can.
    unsigned isaVersion = ldsBytes_ ? 2 : 1;
    for (const MInst& inst : code_)
        if (!inst.op.empty())
            if (const isa::InstructionInfo* info = isa::findInstruction(inst.op))
                isaVersion = std::max<unsigned>(isaVersion, info->version);
    out.ldsBytes = static_cast<std::uint32_t>(ldsBytes_);
    std::string params = out.signature.toString();
    out.assembly = fmt::format("; {} ({} SPIR-V), {} scalar / {} vector registers, {} bytes of LDS\n", out.name,
                               kernel_ ? "OpenCL" : "GLSL", sregs, vregs, out.ldsBytes);
    out.assembly += fmt::format(".isa {}\n", isaVersion);
    out.assembly += params.empty() ? ".args\n" : fmt::format(".args {}\n", params);
    out.assembly += body;
}

} // namespace

bool lower(const Module& module, const Module::EntryPoint& entry, bool emitIr, bool launchBlock,
           std::vector<Diagnostic>& diagnostics, Lowered& out)
{
    // Structured lowering first (it is faster code); a function whose CFG
    // it cannot structure is lowered again by linearisation. Functions with
    // merge instructions (GLSL) are structured by definition and stay so.
    std::unordered_set<Id> linear;
    try {
        for (;;) {
            try {
                out = Lowered{};
                Lowering(module, entry, linear, launchBlock).run(out, emitIr);
                return true;
            } catch (const CompileError& e) {
                bool merges = true;
                for (const Function& fn : module.functions)
                    if (fn.id == e.function) {
                        merges = false;
                        for (const Block& b : fn.blocks)
                            merges |= b.merge.has_value();
                    }
                if (!e.structure || merges || !linear.insert(e.function).second)
                    throw;
            }
        }
    } catch (const CompileError& e) {
        diagnostics.push_back({e.where.file, e.where.line, e.where.column, e.message});
        return false;
    } catch (const std::exception& e) {
        // A module shape the back end did not expect: an error, never a crash.
        diagnostics.push_back({"", 0, 0, fmt::format("internal compiler error: {}", e.what())});
        return false;
    }
}

} // namespace vsvm::cc::detail
