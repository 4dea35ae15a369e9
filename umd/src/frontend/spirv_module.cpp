// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "frontend/spirv_module.h"

#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <spirv-tools/libspirv.hpp>
#include <spirv/unified1/spirv.hpp11>

namespace vsvm::frontend::detail {

namespace {

void resultAndType(const Instruction& inst, bool& hasResult, bool& hasType)
{
    spv::HasResultAndType(static_cast<spv::Op>(inst.opcode()), &hasResult, &hasType);
}

} // namespace

std::uint32_t Instruction::resultId() const
{
    bool hasResult = false;
    bool hasType = false;
    resultAndType(*this, hasResult, hasType);
    std::size_t index = hasType ? 2 : 1;
    return hasResult && index < words.size() ? words[index] : 0;
}

std::uint32_t Instruction::typeId() const
{
    bool hasResult = false;
    bool hasType = false;
    resultAndType(*this, hasResult, hasType);
    return hasType && words.size() > 1 ? words[1] : 0;
}

std::string Instruction::string(std::size_t index) const
{
    std::string text;
    for (std::size_t i = index; i < words.size(); ++i) {
        for (int byte = 0; byte < 4; ++byte) {
            char c = static_cast<char>((words[i] >> (8 * byte)) & 0xff);
            if (c == '\0')
                return text;
            text += c;
        }
    }
    return text;
}

std::size_t Instruction::afterString(std::size_t index) const
{
    for (std::size_t i = index; i < words.size(); ++i) {
        if ((words[i] >> 24) == 0)
            return i + 1;
    }
    return words.size();
}

Instruction makeInstruction(std::uint32_t opcode, std::vector<std::uint32_t> operands)
{
    Instruction inst;
    inst.words.reserve(operands.size() + 1);
    inst.words.push_back(static_cast<std::uint32_t>(operands.size() + 1) << 16 | opcode);
    inst.words.insert(inst.words.end(), operands.begin(), operands.end());
    return inst;
}

std::vector<std::uint32_t> stringWords(std::string_view text)
{
    std::vector<std::uint32_t> words(text.size() / 4 + 1, 0);
    std::memcpy(words.data(), text.data(), text.size());
    return words;
}

Result<SpirvModule> SpirvModule::parse(std::span<const std::uint32_t> words)
{
    if (words.size() < 5 || words[0] != spv::MagicNumber)
        return Status::error(EINVAL, "not a SPIR-V module (no magic number)");
    SpirvModule module;
    module.version = words[1];
    module.generator = words[2];
    module.bound = words[3];
    std::size_t at = 5;
    while (at < words.size()) {
        std::uint32_t count = words[at] >> 16;
        if (count == 0 || at + count > words.size())
            return Status::error(EINVAL, fmt::format("SPIR-V module truncated at word {}", at));
        Instruction inst;
        inst.words.assign(words.begin() + static_cast<std::ptrdiff_t>(at),
                          words.begin() + static_cast<std::ptrdiff_t>(at + count));
        module.instructions.push_back(std::move(inst));
        at += count;
    }
    return module;
}

std::vector<std::uint32_t> SpirvModule::serialize() const
{
    std::vector<std::uint32_t> words{spv::MagicNumber, version, generator, bound, 0};
    for (const Instruction& inst : instructions)
        words.insert(words.end(), inst.words.begin(), inst.words.end());
    return words;
}

namespace {

bool isTerminator(std::uint32_t opcode)
{
    switch (static_cast<spv::Op>(opcode)) {
    case spv::Op::OpBranch:
    case spv::Op::OpBranchConditional:
    case spv::Op::OpSwitch:
    case spv::Op::OpReturn:
    case spv::Op::OpReturnValue:
    case spv::Op::OpKill:
    case spv::Op::OpUnreachable:
    case spv::Op::OpTerminateInvocation:
        return true;
    default:
        return false;
    }
}

struct Block {
    std::uint32_t label = 0;
    std::size_t first = 0; // the OpLabel
    std::size_t end = 0;   // one past the terminator
};

/// The blocks of the function whose instructions are [begin, end).
void orderFunction(std::vector<Instruction>& insts, std::size_t begin, std::size_t end,
                   std::vector<Instruction>& out)
{
    std::vector<Block> blocks;
    std::size_t at = begin;
    while (at < end && insts[at].opcode() != static_cast<std::uint32_t>(spv::Op::OpLabel))
        out.push_back(std::move(insts[at++])); // OpFunction, parameters
    std::unordered_map<std::uint32_t, std::size_t> byLabel;
    while (at < end && insts[at].opcode() == static_cast<std::uint32_t>(spv::Op::OpLabel)) {
        Block block{insts[at].words[1], at, at};
        std::size_t i = at + 1;
        while (i < end && !isTerminator(insts[i].opcode()) &&
               insts[i].opcode() != static_cast<std::uint32_t>(spv::Op::OpLabel))
            ++i;
        block.end = i < end && isTerminator(insts[i].opcode()) ? i + 1 : i;
        byLabel[block.label] = blocks.size();
        blocks.push_back(block);
        at = block.end;
    }
    std::vector<Instruction> tail; // OpFunctionEnd
    while (at < end)
        tail.push_back(std::move(insts[at++]));

    auto successors = [&](const Block& block) {
        std::vector<std::size_t> next;
        if (block.end == block.first)
            return next;
        const Instruction& term = insts[block.end - 1];
        if (!isTerminator(term.opcode()))
            return next;
        // Every operand that names a block of this function: branch
        // targets, and for OpSwitch its labels (a literal that happens to
        // equal a label only adds an ordering constraint).
        for (std::size_t w = 1; w < term.words.size(); ++w) {
            auto it = byLabel.find(term.words[w]);
            if (it != byLabel.end())
                next.push_back(it->second);
        }
        return next;
    };

    // Iterative depth-first search from the entry block.
    std::vector<std::size_t> postOrder;
    std::vector<char> seen(blocks.size(), 0);
    if (!blocks.empty()) {
        std::vector<std::pair<std::size_t, std::vector<std::size_t>>> stack;
        seen[0] = 1;
        stack.emplace_back(0, successors(blocks[0]));
        while (!stack.empty()) {
            auto& [block, next] = stack.back();
            if (next.empty()) {
                postOrder.push_back(block);
                stack.pop_back();
                continue;
            }
            // Visit successors in their order: first target first.
            std::size_t successor = next.front();
            next.erase(next.begin());
            if (!seen[successor]) {
                seen[successor] = 1;
                stack.emplace_back(successor, successors(blocks[successor]));
            }
        }
    }
    std::vector<std::size_t> order(postOrder.rbegin(), postOrder.rend());
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        if (!seen[b])
            order.push_back(b);
    }
    for (std::size_t b : order) {
        for (std::size_t i = blocks[b].first; i < blocks[b].end; ++i)
            out.push_back(std::move(insts[i]));
    }
    for (Instruction& inst : tail)
        out.push_back(std::move(inst));
}

} // namespace

void dedupePhis(SpirvModule& module)
{
    for (Instruction& inst : module.instructions) {
        if (inst.opcode() != static_cast<std::uint32_t>(spv::Op::OpPhi))
            continue;
        std::vector<std::uint32_t> operands{inst.words[1], inst.words[2]};
        std::unordered_set<std::uint32_t> parents;
        for (std::size_t w = 3; w + 1 < inst.words.size(); w += 2) {
            if (parents.insert(inst.words[w + 1]).second) {
                operands.push_back(inst.words[w]);
                operands.push_back(inst.words[w + 1]);
            }
        }
        if (operands.size() + 1 != inst.words.size())
            inst = makeInstruction(static_cast<std::uint32_t>(spv::Op::OpPhi), std::move(operands));
    }
}

void completeInterfaces(SpirvModule& module)
{
    if (module.version < 0x00010400)
        return;
    constexpr auto kOpVariable = static_cast<std::uint32_t>(spv::Op::OpVariable);
    constexpr auto kOpEntryPoint = static_cast<std::uint32_t>(spv::Op::OpEntryPoint);
    constexpr auto kOpFunction = static_cast<std::uint32_t>(spv::Op::OpFunction);
    constexpr auto kFunctionStorage = static_cast<std::uint32_t>(spv::StorageClass::Function);
    std::vector<std::uint32_t> variables;
    for (const Instruction& inst : module.instructions) {
        if (inst.opcode() == kOpFunction)
            break;
        if (inst.opcode() == kOpVariable && inst.words.size() > 3 && inst.words[3] != kFunctionStorage)
            variables.push_back(inst.resultId());
    }
    for (Instruction& inst : module.instructions) {
        if (inst.opcode() != kOpEntryPoint)
            continue;
        std::size_t first = inst.afterString(3);
        std::unordered_set<std::uint32_t> listed(inst.words.begin() + static_cast<std::ptrdiff_t>(first),
                                                 inst.words.end());
        for (std::uint32_t v : variables)
            if (!listed.count(v))
                inst.words.push_back(v);
        inst.words[0] = static_cast<std::uint32_t>(inst.words.size() << 16) | kOpEntryPoint;
    }
}

void orderBlocks(SpirvModule& module)
{
    std::vector<Instruction>& insts = module.instructions;
    std::vector<Instruction> out;
    out.reserve(insts.size());
    std::size_t at = 0;
    while (at < insts.size()) {
        if (insts[at].opcode() != static_cast<std::uint32_t>(spv::Op::OpFunction)) {
            out.push_back(std::move(insts[at++]));
            continue;
        }
        std::size_t end = at;
        while (end < insts.size() && insts[end].opcode() != static_cast<std::uint32_t>(spv::Op::OpFunctionEnd))
            ++end;
        if (end < insts.size())
            ++end;
        orderFunction(insts, at, end, out);
        at = end;
    }
    insts = std::move(out);
}

namespace {

/// Names and decorations: their targets are not kept alive by them.
bool annotation(spv::Op opcode)
{
    switch (opcode) {
    case spv::Op::OpName:
    case spv::Op::OpMemberName:
    case spv::Op::OpDecorate:
    case spv::Op::OpMemberDecorate:
    case spv::Op::OpDecorateString:
    case spv::Op::OpMemberDecorateString:
        return true;
    default:
        return false;
    }
}

/// With each instruction SPIRV-Tools' parser gives, the ids it uses.
spv_result_t collectUses(void* data, const spv_parsed_instruction_t* inst)
{
    auto& used = *static_cast<std::unordered_set<std::uint32_t>*>(data);
    if (annotation(static_cast<spv::Op>(inst->opcode)))
        return SPV_SUCCESS;
    for (std::uint16_t i = 0; i < inst->num_operands; ++i) {
        const spv_parsed_operand_t& operand = inst->operands[i];
        switch (operand.type) {
        case SPV_OPERAND_TYPE_ID:
        case SPV_OPERAND_TYPE_TYPE_ID:
        case SPV_OPERAND_TYPE_SCOPE_ID:
        case SPV_OPERAND_TYPE_MEMORY_SEMANTICS_ID:
            used.insert(inst->words[operand.offset]);
            break;
        default:
            break;
        }
    }
    return SPV_SUCCESS;
}

/**
 * The ids the instructions of @p module use: every id operand but result
 * ids and the targets of names and decorations. SPIRV-Tools' grammar tells
 * ids from literals: a literal that happens to be a type's number (the size
 * of an OpLifetimeStart, 264 bytes) does not keep that type alive.
 */
Result<std::unordered_set<std::uint32_t>> usedIds(const SpirvModule& module)
{
    std::vector<std::uint32_t> words = module.serialize();
    spvtools::Context context(SPV_ENV_UNIVERSAL_1_5);
    std::unordered_set<std::uint32_t> used;
    spv_diagnostic diagnostic = nullptr;
    spv_result_t parsed = spvBinaryParse(context.CContext(), &used, words.data(), words.size(), nullptr,
                                         collectUses, &diagnostic);
    if (parsed != SPV_SUCCESS) {
        std::string why = diagnostic ? diagnostic->error : "unknown error";
        spvDiagnosticDestroy(diagnostic);
        return Status::error(ENOEXEC, fmt::format("SPIRV-Tools cannot parse the linked module: {}", why));
    }
    return used;
}

bool removableGlobal(std::uint32_t opcode)
{
    switch (static_cast<spv::Op>(opcode)) {
    case spv::Op::OpTypeFunction:
    case spv::Op::OpTypePointer:
    case spv::Op::OpTypeVector:
    case spv::Op::OpTypeArray:
    case spv::Op::OpTypeStruct:
    case spv::Op::OpTypeInt:
    case spv::Op::OpTypeFloat:
    case spv::Op::OpTypeBool:
    case spv::Op::OpConstant:
    case spv::Op::OpConstantTrue:
    case spv::Op::OpConstantFalse:
    case spv::Op::OpConstantNull:
    case spv::Op::OpConstantComposite:
    case spv::Op::OpUndef:
        return true;
    default:
        return false;
    }
}

} // namespace

Status removeUnusedGlobals(SpirvModule& module)
{
    for (;;) {
        Result<std::unordered_set<std::uint32_t>> used = usedIds(module);
        if (!used)
            return used.status();
        std::unordered_set<std::uint32_t> dead;
        for (const Instruction& inst : module.instructions) {
            if (inst.opcode() == static_cast<std::uint32_t>(spv::Op::OpFunction))
                break;
            if (removableGlobal(inst.opcode()) && !used->count(inst.resultId()))
                dead.insert(inst.resultId());
        }
        if (dead.empty())
            return {};
        std::erase_if(module.instructions, [&](const Instruction& inst) {
            if (removableGlobal(inst.opcode()))
                return dead.count(inst.resultId()) != 0;
            switch (static_cast<spv::Op>(inst.opcode())) {
            case spv::Op::OpName:
            case spv::Op::OpMemberName:
            case spv::Op::OpDecorate:
            case spv::Op::OpMemberDecorate:
                return dead.count(inst.words[1]) != 0;
            default:
                return false;
            }
        });
    }
}


} // namespace vsvm::frontend::detail
