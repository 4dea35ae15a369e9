// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/status.h"

namespace vsvm::frontend::detail {

/// One instruction: its words, the first being (word count << 16 | opcode).
struct Instruction {
    std::vector<std::uint32_t> words;

    std::uint32_t opcode() const { return words[0] & 0xffff; }
    /// The result id and type id (0 if the opcode has none).
    std::uint32_t resultId() const;
    std::uint32_t typeId() const;
    /// A literal string starting at word @p index.
    std::string string(std::size_t index) const;
    /// The first word after that string.
    std::size_t afterString(std::size_t index) const;
};

/// Build an instruction from its opcode and operand words.
Instruction makeInstruction(std::uint32_t opcode, std::vector<std::uint32_t> operands);
/// The words of a literal string, nul-terminated and padded.
std::vector<std::uint32_t> stringWords(std::string_view text);

/**
 * A SPIR-V module as a list of instructions, enough to rewrite one word by
 * word (the SPIRV-Tools IR is not a public API). Only the header's bound
 * is interpreted.
 */
struct SpirvModule {
    std::uint32_t version = 0;
    std::uint32_t generator = 0;
    std::uint32_t bound = 0;
    std::vector<Instruction> instructions;

    /// EINVAL if @p words are not a SPIR-V module in host byte order.
    static Result<SpirvModule> parse(std::span<const std::uint32_t> words);
    std::vector<std::uint32_t> serialize() const;

    std::uint32_t newId() { return bound++; }
};

/**
 * Put the blocks of every function in reverse post-order of its control
 * flow graph (unreachable blocks last, in their order). SPIR-V wants every
 * block after the blocks that dominate it; llvm-spirv-14 keeps LLVM's block
 * order, which at -O2 often is not (spirv-val: "ID has not been defined").
 */
void orderBlocks(SpirvModule& module);

/**
 * Give every OpPhi one entry per predecessor block. LLVM lists a block once
 * per edge (an OpSwitch with two cases to the same block), llvm-spirv-14
 * copies that, and SPIR-V wants each parent once; the values of the
 * duplicates are the same by LLVM's rules.
 */
void dedupePhis(SpirvModule& module);

/**
 * From SPIR-V 1.4 on, an entry point lists every module-scope variable its
 * functions use, not only Input and Output ones. llvm-spirv-14 writes 1.4
 * modules with the short lists of 1.0 (the UniformConstant copies of
 * structs that clang -O0 and by-value structs make are missing): every
 * entry point gets the module's variables it does not list yet (a longer
 * list than needed is valid).
 */
void completeInterfaces(SpirvModule& module);

/// SpvOpDecorate %id LinkageAttributes "name" Import|Export.
constexpr std::uint32_t kLinkageAttributes = 41;
constexpr std::uint32_t kLinkageExport = 0;
constexpr std::uint32_t kLinkageImport = 1;

/**
 * Remove the types and constants nothing uses, and the names and
 * decorations of what is gone, until nothing more goes (SPIRV-Tools' passes
 * that would do it are for shaders only). Uses are id operands as
 * SPIRV-Tools' grammar tells them from literals. ENOEXEC when SPIRV-Tools
 * cannot parse @p module.
 */
Status removeUnusedGlobals(SpirvModule& module);

} // namespace vsvm::frontend::detail
