// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/kernel_signature.h"
#include "vsvm/status.h"

/**
 * Assembler and disassembler for the vsvm compute ISA, versions 1 to 3.
 *
 * docs/isa.rst specifies the instructions and the assembler's text syntax;
 * the numbers come from uapi/vsvm_isa.h. Both directions read one table of
 * instructions (instructions()), so they cannot disagree about a mnemonic,
 * an opcode or the operands a format accepts. Nothing here throws.
 *
 * Thread safety: free functions of their arguments and of a table built
 * once; call them from any number of threads.
 */
namespace vsvm::isa {

/// Which fields an instruction uses and which operands they accept (docs/isa.rst, "Formats").
enum class Format : std::uint8_t {
    Sopp,        ///< no operand (s_endpgm, s_nop, s_barrier)
    SoppBranch,  ///< label (s_branch, s_cbranch_execz/execnz)
    SoppCbranch, ///< S, label (s_cbranch_z/nz)
    Sop1,        ///< D: S; A: S/lit
    Sop2,        ///< D: S; A, B: S/lit
    Vop1,        ///< D: V; A: any
    Vop2,        ///< D: V; A, B: any
    Vop3,        ///< D: V; A, B: any but literal; S in imm bits 0-7 (v_cndmask)
    Vopc,        ///< D: S; A, B: any
    VmemLoad,    ///< D: V; A: V or S; offset
    VmemStore,   ///< A, B: V or S; offset
    Vatomic,     ///< D: V; A, B: V or S; offset
    SmemLoad,    ///< D: S but not exec; A: S; offset
    SmemStore,   ///< A, B: S; offset
    LdsAtomic64, ///< D: V; A, B: V or S; imm: the operation in bits 16-31, a 16-bit offset in bits 0-15 (v3)
};

/// One row of the instruction table.
struct InstructionInfo {
    std::string_view mnemonic;
    std::uint8_t opcode;
    Format format;
    /// The sources are float32: a literal may be written as a float (2.5, 1e-3).
    bool floatSources;
    /// The first ISA version that has the instruction (1 to 3); a program
    /// uses a version-N one only after `.isa N` (or a later version).
    std::uint8_t version = 1;
    /// For an opcode several instructions share (Format::LdsAtomic64): the
    /// value of imm bits 16-31 that selects this one; -1 otherwise.
    std::int32_t immSelector = -1;
};

/// Every instruction of ISA v1 to v3, in opcode order (then selector order).
std::span<const InstructionInfo> instructions();

/// The row for @p opcode, or nullptr when the opcode is invalid or is
/// shared by several instructions (then the word's imm selects one: see
/// the overload with imm).
const InstructionInfo* findInstruction(std::uint8_t opcode);

/// The row for an instruction word's @p opcode and @p imm, or nullptr when
/// they name no instruction.
const InstructionInfo* findInstruction(std::uint8_t opcode, std::uint32_t imm);

/// The row for @p mnemonic, or nullptr when there is no such instruction.
const InstructionInfo* findInstruction(std::string_view mnemonic);

/// An error in assembler source; line and column count from 1.
struct Diagnostic {
    unsigned line = 0;
    unsigned column = 0;
    std::string message;

    bool operator==(const Diagnostic&) const = default;
};

/// "file:line:col: error: message", the form compilers and editors understand.
std::string formatDiagnostic(std::string_view file, const Diagnostic& diagnostic);

/// An assembled program: what drm_vsvm_dispatch's code_ptr and entry take.
struct Program {
    std::vector<std::uint64_t> words;
    /// Byte offset of the first instruction to run (.entry), 0 by default.
    std::uint32_t entry = 0;
    /// The ISA version the program is written for (`.isa`, 1 without it):
    /// what drm_vsvm_dispatch.isa_version should say. Not part of the words.
    std::uint32_t isaVersion = 1;
    /// The parameters `.args` declares; nullopt without `.args` (the
    /// kernel's arguments are then not checked). Not part of the words: a
    /// binary of the words alone has no signature.
    std::optional<KernelSignature> signature = std::nullopt;
};

/// The outcome of assemble(): a program when there is no diagnostic.
struct Assembly {
    Program program;
    /// Every error found, in source order (at most one per line).
    std::vector<Diagnostic> diagnostics;

    bool ok() const { return diagnostics.empty(); }
};

/**
 * Assemble @p source (docs/isa.rst, "Assembler syntax"). On error the
 * diagnostics say where and why, and program is not meant to be used.
 */
Assembly assemble(std::string_view source);

struct DisassembleOptions {
    /// Emit ".entry" for this byte offset (which must be an instruction's).
    std::optional<std::uint32_t> entry = std::nullopt;
    /// Append "; offset: word" to every line, for a reader; assemble() ignores it.
    bool showEncoding = false;
    /// Emit ".args" for this signature, so that the text keeps it.
    std::optional<KernelSignature> signature = std::nullopt;
};

/**
 * Text that assembles back to exactly @p words: branch targets get labels
 * L_<hex byte offset>, and a word that is not a valid instruction (or whose
 * branch leaves the program) is written as ".word 0x...". Fails (EINVAL)
 * only when options.entry is not the offset of one of the words.
 */
Result<std::string> disassemble(std::span<const std::uint64_t> words,
                                const DisassembleOptions& options = {});

/**
 * @p text read as the operands of `.args` ("ptr x, u32 n"; "" for a kernel
 * without parameters), by the assembler's rules. Fails with EINVAL naming
 * the first bad item: an unknown type, a bad or repeated name, more than 16
 * parameters. For signatures that do not come from assembly (the C API,
 * programs loaded from binaries).
 */
Result<KernelSignature> parseSignature(std::string_view text);

} // namespace vsvm::isa
