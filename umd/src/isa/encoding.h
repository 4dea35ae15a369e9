// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The rules both directions share: which operands each format takes, in
// which field, and which operand codes each accepts (docs/isa.rst,
// "Formats"). The assembler checks what it encodes against these rules and
// the disassembler checks what it decodes against the same ones, so a word
// is printable exactly when the assembler could have produced it.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <vsvm_isa.h>

#include "vsvm/isa.h"

namespace vsvm::isa::detail {

enum class Field : std::uint8_t { D, A, B, Imm };

/// What a slot of the assembler syntax accepts.
enum class Operand : std::uint8_t {
    Scalar,         ///< sN or exec
    ScalarNotExec,  ///< sN
    Vector,         ///< vN
    ScalarOrLit,    ///< sN, exec or a literal
    Any,            ///< sN, exec, vN, a literal or laneid
    AnyButLit,      ///< sN, exec, vN or laneid
    VectorOrScalar, ///< vN, sN or exec
    Label,          ///< a branch target, in imm as instructions from the next one
    Offset,         ///< a signed byte offset in imm; may be omitted (0)
    ShortOffset,    ///< a signed byte offset in imm bits 0-15; may be omitted (0)
    SelectMask,     ///< a scalar operand code in imm bits 0-7 (VOP3)
};

struct Slot {
    Field field;
    Operand operand;
    std::string_view name; ///< for usage messages: "D", "A", "label"...
};

struct FormatSpec {
    std::span<const Slot> slots;
};

const FormatSpec& formatSpec(Format format);

/// Is @p operand a memory offset, which an instruction may leave out?
inline bool isOffset(Operand operand)
{
    return operand == Operand::Offset || operand == Operand::ShortOffset;
}

/// The bits of imm that Operand::ShortOffset holds; imm's upper 16 bits select the instruction.
constexpr std::uint32_t kShortOffsetMask = VSVM_ISA_LDS_ATOMIC64_OFFSET_MASK;

/// Does @p operand's slot accept operand code @p code (a register field)?
bool acceptsCode(Operand operand, unsigned code);

struct Fields {
    std::uint8_t opcode = 0;
    std::uint8_t d = 0;
    std::uint8_t a = 0;
    std::uint8_t b = 0;
    std::uint32_t imm = 0;
};

inline Fields splitWord(std::uint64_t word)
{
    return {static_cast<std::uint8_t>(word >> VSVM_ISA_OPCODE_SHIFT),
            static_cast<std::uint8_t>(word >> VSVM_ISA_D_SHIFT),
            static_cast<std::uint8_t>(word >> VSVM_ISA_A_SHIFT),
            static_cast<std::uint8_t>(word >> VSVM_ISA_B_SHIFT),
            static_cast<std::uint32_t>(word >> VSVM_ISA_IMM_SHIFT)};
}

inline std::uint64_t joinWord(const Fields& f)
{
    return std::uint64_t{f.opcode} << VSVM_ISA_OPCODE_SHIFT | std::uint64_t{f.d} << VSVM_ISA_D_SHIFT |
           std::uint64_t{f.a} << VSVM_ISA_A_SHIFT | std::uint64_t{f.b} << VSVM_ISA_B_SHIFT |
           std::uint64_t{f.imm} << VSVM_ISA_IMM_SHIFT;
}

inline std::uint8_t fieldValue(const Fields& f, Field field)
{
    switch (field) {
    case Field::D:
        return f.d;
    case Field::A:
        return f.a;
    case Field::B:
        return f.b;
    case Field::Imm:
        break;
    }
    return static_cast<std::uint8_t>(f.imm);
}

/**
 * Whether @p fields form a valid instruction of @p info's format: every used
 * field holds a code its slot accepts, every unused field is 0, and imm is
 * what the format says. Branch targets are not checked here: that needs
 * the program's size.
 */
bool isValid(const InstructionInfo& info, const Fields& fields);

} // namespace vsvm::isa::detail
