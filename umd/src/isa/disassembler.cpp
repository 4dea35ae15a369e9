// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <bit>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "isa/encoding.h"
#include "isa/syntax.h"

namespace vsvm::isa {
namespace {

using detail::Fields;
using detail::Operand;
using detail::Slot;

constexpr std::uint64_t kWordBytes = sizeof(std::uint64_t);

std::string labelName(std::size_t index)
{
    return fmt::format("L_{:04x}", index * kWordBytes);
}

bool isBranch(const InstructionInfo& info)
{
    return info.format == Format::SoppBranch || info.format == Format::SoppCbranch;
}

std::string registerName(unsigned code)
{
    if (code < VSVM_ISA_NUM_SREGS)
        return fmt::format("s{}", code);
    if (code == VSVM_ISA_OP_EXEC)
        return "exec";
    if (code == VSVM_ISA_OP_LANEID)
        return "laneid";
    return fmt::format("v{}", code - VSVM_ISA_OP_VREG(0));
}

std::string literalText(const InstructionInfo& info, std::uint32_t imm)
{
    if (info.floatSources) {
        if (auto text = detail::syntax::formatFloat(std::bit_cast<float>(imm)))
            return *text;
    }
    // Small values read best in decimal, masks and addresses in hex; both
    // assemble to the same 32 bits.
    auto value = static_cast<std::int32_t>(imm);
    if (value >= -65536 && value <= 65536)
        return fmt::format("{}", value);
    return fmt::format("0x{:08x}", imm);
}

struct Decoded {
    const InstructionInfo* info = nullptr; ///< nullptr: print as .word
    Fields fields;
    std::size_t target = 0; ///< word index of a branch's target
};

Decoded decode(std::uint64_t word, std::size_t index, std::size_t count)
{
    Fields fields = detail::splitWord(word);
    const InstructionInfo* info = findInstruction(fields.opcode, fields.imm);
    if (!info || !detail::isValid(*info, fields))
        return {};
    Decoded decoded{info, fields};
    if (isBranch(*info)) {
        std::int64_t target =
            static_cast<std::int64_t>(index) + 1 + static_cast<std::int32_t>(fields.imm);
        // No label can name a target outside the program: keep the word as it is.
        if (target < 0 || static_cast<std::uint64_t>(target) >= count)
            return {};
        decoded.target = static_cast<std::size_t>(target);
    }
    return decoded;
}

std::string instructionText(const Decoded& decoded)
{
    const InstructionInfo& info = *decoded.info;
    const Fields& fields = decoded.fields;
    std::string text(info.mnemonic);
    const char* separator = " ";
    for (const Slot& slot : detail::formatSpec(info.format).slots) {
        std::string operand;
        switch (slot.operand) {
        case Operand::Label:
            operand = labelName(decoded.target);
            break;
        case Operand::Offset:
            if (fields.imm != 0)
                operand = fmt::format("{}", static_cast<std::int32_t>(fields.imm));
            break;
        case Operand::ShortOffset:
            if (fields.imm & detail::kShortOffsetMask)
                operand = fmt::format("{}", static_cast<std::int16_t>(fields.imm & detail::kShortOffsetMask));
            break;
        case Operand::SelectMask:
            operand = registerName(fields.imm & 0xff);
            break;
        default: {
            unsigned code = detail::fieldValue(fields, slot.field);
            operand = code == VSVM_ISA_OP_LIT ? literalText(info, fields.imm) : registerName(code);
            break;
        }
        }
        if (operand.empty())
            continue;
        text += separator + operand;
        separator = ", ";
    }
    return text;
}

} // namespace

Result<std::string> disassemble(std::span<const std::uint64_t> words, const DisassembleOptions& options)
{
    if (options.entry && (*options.entry % kWordBytes != 0 || *options.entry / kWordBytes >= words.size()))
        return Status::error(EINVAL, fmt::format("entry {:#x} is not the offset of an instruction of "
                                                     "the {}-word program",
                                                     *options.entry, words.size()));

    std::vector<Decoded> decoded;
    std::vector<bool> labelled(words.size());
    decoded.reserve(words.size());
    for (std::size_t i = 0; i < words.size(); i++) {
        decoded.push_back(decode(words[i], i, words.size()));
        if (decoded.back().info && isBranch(*decoded.back().info))
            labelled[decoded.back().target] = true;
    }

    // The lowest version that has every instruction: a v1 program's text
    // stays exactly what it was before v2 existed.
    unsigned version = VSVM_ISA_VERSION_MIN;
    for (const Decoded& d : decoded)
        if (d.info && d.info->version > version)
            version = d.info->version;
    std::string text = fmt::format(".isa {}\n", version);
    if (options.signature) {
        std::string params = options.signature->toString();
        text += params.empty() ? ".args\n" : fmt::format(".args {}\n", params);
    }
    if (options.entry) {
        labelled[*options.entry / kWordBytes] = true;
        text += fmt::format(".entry {}\n", labelName(*options.entry / kWordBytes));
    }
    for (std::size_t i = 0; i < words.size(); i++) {
        if (labelled[i])
            text += labelName(i) + ":\n";
        std::string line = decoded[i].info ? instructionText(decoded[i]) : fmt::format(".word 0x{:016x}", words[i]);
        if (options.showEncoding)
            text += fmt::format("    {:<40} ; {:04x}: {:016x}\n", line, i * kWordBytes, words[i]);
        else
            text += fmt::format("    {}\n", line);
    }
    return text;
}

} // namespace vsvm::isa
