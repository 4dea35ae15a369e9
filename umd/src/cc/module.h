// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The back end's view of a SPIR-V module: a reader over the words (the
// SPIRV-Tools optimiser's IR is not an installed API), keeping what lowering
// needs: types, constants, decorations, names, functions as blocks of
// instructions, and the OpLine of every instruction.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#ifndef SPV_ENABLE_UTILITY_CODE
#define SPV_ENABLE_UTILITY_CODE
#endif
#include <spirv/unified1/spirv.hpp11>

namespace vsvm::cc::detail {

using Id = std::uint32_t;

struct Location {
    std::string file;
    unsigned line = 0, column = 0;
};

struct Inst {
    spv::Op op = spv::Op::OpNop;
    Id type = 0;   ///< result type, 0 when none
    Id result = 0; ///< result id, 0 when none
    std::vector<std::uint32_t> operands; ///< the words after type and result
    Location where;
};

enum class TypeKind : std::uint8_t { Void, Bool, Int, Float, Vector, Array, RuntimeArray, Struct, Pointer, Function, Other };

struct Type {
    TypeKind kind = TypeKind::Other;
    unsigned width = 0;   ///< Int, Float: bits
    bool isSigned = false;
    Id element = 0;       ///< Vector, Array, RuntimeArray, Pointer (pointee)
    std::uint64_t count = 0; ///< Vector components, Array length
    std::vector<Id> members; ///< Struct
    spv::StorageClass storage = spv::StorageClass::Function; ///< Pointer
    spv::Op op = spv::Op::OpNop; ///< the declaring opcode (for messages)
};

struct Block {
    Id label = 0;
    std::vector<Inst> body; ///< phis first, then the rest, then the terminator
    std::optional<Inst> merge; ///< OpSelectionMerge / OpLoopMerge
};

struct Function {
    Id id = 0;
    Id type = 0;
    std::vector<Inst> params;
    std::vector<Block> blocks; ///< the first is the entry
    std::vector<Inst> variables; ///< OpVariable of the entry block (Function storage)
};

struct Decorations {
    std::optional<spv::BuiltIn> builtIn;
    std::optional<std::uint32_t> offset;      ///< member offset
    std::optional<std::uint32_t> arrayStride;
    bool hasBlock = false;
    bool cpacked = false;
    bool saturated = false;                           ///< SaturatedConversion
    bool byVal = false;                               ///< FuncParamAttr ByVal (a parameter)
    std::optional<spv::FPRoundingMode> rounding;      ///< FPRoundingMode of a conversion
};

struct Module {
    std::vector<spv::Capability> capabilities;
    std::unordered_map<Id, std::string> extInstSets; ///< OpExtInstImport id -> name
    struct EntryPoint {
        spv::ExecutionModel model;
        Id function;
        std::string name;
        std::vector<Id> interface;
        std::array<std::uint32_t, 3> localSize{0, 0, 0};
    };
    std::vector<EntryPoint> entryPoints;
    std::unordered_map<Id, std::string> names;
    std::map<std::pair<Id, std::uint32_t>, std::string> memberNames;
    std::unordered_map<Id, Type> types;
    std::unordered_map<Id, Inst> constants; ///< OpConstant*, OpSpecConstant*, OpUndef
    std::unordered_map<Id, Inst> globals;   ///< module-scope OpVariable
    std::unordered_map<Id, Decorations> decorations;
    std::map<std::pair<Id, std::uint32_t>, Decorations> memberDecorations;
    std::vector<Function> functions;
    bool hasLines = false;
};

/// Reads @p words; returns an error message for a malformed module (the
/// validator runs first, so this only guards against truncation).
std::optional<std::string> readModule(std::span<const std::uint32_t> words, Module& out);

/// The literal string that starts at @p operands[start]; @p next gets the index after it.
std::string readString(const std::vector<std::uint32_t>& operands, std::size_t start, std::size_t* next = nullptr);

} // namespace vsvm::cc::detail
