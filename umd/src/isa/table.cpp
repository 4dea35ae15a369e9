// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <algorithm>
#include <array>
#include <deque>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "isa/encoding.h"

namespace vsvm::isa {
namespace {

using detail::Field;
using detail::Operand;
using detail::Slot;

// Built once, in place: rows and byOpcode point into names and rows.
struct Table {
    Table();
    Table(const Table&) = delete;
    Table& operator=(const Table&) = delete;

    std::deque<std::string> names; // storage for the generated mnemonics
    std::vector<InstructionInfo> rows;
    std::array<const InstructionInfo*, 256> byOpcode{}; // nullptr for a shared opcode
    std::vector<const InstructionInfo*> selected;       // the rows of shared opcodes
};

// The instructions with a name of their own; compares and atomics are
// generated from their type, condition and operation enums below.
constexpr InstructionInfo kNamed[] = {
    {"s_endpgm", VSVM_OP_S_ENDPGM, Format::Sopp, false},
    {"s_nop", VSVM_OP_S_NOP, Format::Sopp, false},
    {"s_barrier", VSVM_OP_S_BARRIER, Format::Sopp, false},
    {"s_branch", VSVM_OP_S_BRANCH, Format::SoppBranch, false},
    {"s_cbranch_z", VSVM_OP_S_CBRANCH_Z, Format::SoppCbranch, false},
    {"s_cbranch_nz", VSVM_OP_S_CBRANCH_NZ, Format::SoppCbranch, false},
    {"s_cbranch_execz", VSVM_OP_S_CBRANCH_EXECZ, Format::SoppBranch, false},
    {"s_cbranch_execnz", VSVM_OP_S_CBRANCH_EXECNZ, Format::SoppBranch, false},

    {"s_mov", VSVM_OP_S_MOV, Format::Sop1, false},
    {"s_not", VSVM_OP_S_NOT, Format::Sop1, false},
    {"s_add", VSVM_OP_S_ADD, Format::Sop2, false},
    {"s_sub", VSVM_OP_S_SUB, Format::Sop2, false},
    {"s_mul", VSVM_OP_S_MUL, Format::Sop2, false},
    {"s_and", VSVM_OP_S_AND, Format::Sop2, false},
    {"s_or", VSVM_OP_S_OR, Format::Sop2, false},
    {"s_xor", VSVM_OP_S_XOR, Format::Sop2, false},
    {"s_andn2", VSVM_OP_S_ANDN2, Format::Sop2, false},
    {"s_shl", VSVM_OP_S_SHL, Format::Sop2, false},
    {"s_shr", VSVM_OP_S_SHR, Format::Sop2, false},
    {"s_sar", VSVM_OP_S_SAR, Format::Sop2, false},
    {"s_min_u", VSVM_OP_S_MIN_U, Format::Sop2, false},
    {"s_max_u", VSVM_OP_S_MAX_U, Format::Sop2, false},
    {"s_min_i", VSVM_OP_S_MIN_I, Format::Sop2, false},
    {"s_max_i", VSVM_OP_S_MAX_I, Format::Sop2, false},
    {"s_bcnt", VSVM_OP_S_BCNT, Format::Sop1, false},
    {"s_cmp_eq", VSVM_OP_S_CMP_EQ, Format::Sop2, false},
    {"s_cmp_ne", VSVM_OP_S_CMP_NE, Format::Sop2, false},
    {"s_cmp_lt_u", VSVM_OP_S_CMP_LT_U, Format::Sop2, false},
    {"s_cmp_le_u", VSVM_OP_S_CMP_LE_U, Format::Sop2, false},
    {"s_cmp_gt_u", VSVM_OP_S_CMP_GT_U, Format::Sop2, false},
    {"s_cmp_ge_u", VSVM_OP_S_CMP_GE_U, Format::Sop2, false},
    {"s_cmp_lt_i", VSVM_OP_S_CMP_LT_I, Format::Sop2, false},
    {"s_cmp_le_i", VSVM_OP_S_CMP_LE_I, Format::Sop2, false},
    {"s_cmp_gt_i", VSVM_OP_S_CMP_GT_I, Format::Sop2, false},
    {"s_cmp_ge_i", VSVM_OP_S_CMP_GE_I, Format::Sop2, false},

    {"v_mov", VSVM_OP_V_MOV, Format::Vop1, false},
    {"v_add_u32", VSVM_OP_V_ADD_U32, Format::Vop2, false},
    {"v_sub_u32", VSVM_OP_V_SUB_U32, Format::Vop2, false},
    {"v_mul_u32", VSVM_OP_V_MUL_U32, Format::Vop2, false},
    {"v_and_b32", VSVM_OP_V_AND_B32, Format::Vop2, false},
    {"v_or_b32", VSVM_OP_V_OR_B32, Format::Vop2, false},
    {"v_xor_b32", VSVM_OP_V_XOR_B32, Format::Vop2, false},
    {"v_shl_b32", VSVM_OP_V_SHL_B32, Format::Vop2, false},
    {"v_shr_b32", VSVM_OP_V_SHR_B32, Format::Vop2, false},
    {"v_sar_i32", VSVM_OP_V_SAR_I32, Format::Vop2, false},
    {"v_min_u32", VSVM_OP_V_MIN_U32, Format::Vop2, false},
    {"v_max_u32", VSVM_OP_V_MAX_U32, Format::Vop2, false},
    {"v_min_i32", VSVM_OP_V_MIN_I32, Format::Vop2, false},
    {"v_max_i32", VSVM_OP_V_MAX_I32, Format::Vop2, false},
    {"v_div_u32", VSVM_OP_V_DIV_U32, Format::Vop2, false},
    {"v_rem_u32", VSVM_OP_V_REM_U32, Format::Vop2, false},
    {"v_add_u64", VSVM_OP_V_ADD_U64, Format::Vop2, false},
    {"v_sub_u64", VSVM_OP_V_SUB_U64, Format::Vop2, false},
    {"v_mul_u64", VSVM_OP_V_MUL_U64, Format::Vop2, false},
    {"v_and_b64", VSVM_OP_V_AND_B64, Format::Vop2, false},
    {"v_or_b64", VSVM_OP_V_OR_B64, Format::Vop2, false},
    {"v_xor_b64", VSVM_OP_V_XOR_B64, Format::Vop2, false},
    {"v_shl_b64", VSVM_OP_V_SHL_B64, Format::Vop2, false},
    {"v_shr_b64", VSVM_OP_V_SHR_B64, Format::Vop2, false},
    {"v_sar_i64", VSVM_OP_V_SAR_I64, Format::Vop2, false},
    {"v_min_u64", VSVM_OP_V_MIN_U64, Format::Vop2, false},
    {"v_max_u64", VSVM_OP_V_MAX_U64, Format::Vop2, false},
    {"v_min_i64", VSVM_OP_V_MIN_I64, Format::Vop2, false},
    {"v_max_i64", VSVM_OP_V_MAX_I64, Format::Vop2, false},
    {"v_div_u64", VSVM_OP_V_DIV_U64, Format::Vop2, false},
    {"v_rem_u64", VSVM_OP_V_REM_U64, Format::Vop2, false},
    {"v_cvt_u64_u32", VSVM_OP_V_CVT_U64_U32, Format::Vop1, false},
    {"v_cvt_i64_i32", VSVM_OP_V_CVT_I64_I32, Format::Vop1, false},
    {"v_cvt_f32_u32", VSVM_OP_V_CVT_F32_U32, Format::Vop1, false},
    {"v_cvt_f32_i32", VSVM_OP_V_CVT_F32_I32, Format::Vop1, false},
    {"v_cvt_u32_f32", VSVM_OP_V_CVT_U32_F32, Format::Vop1, true},
    {"v_cvt_i32_f32", VSVM_OP_V_CVT_I32_F32, Format::Vop1, true},
    {"v_cndmask", VSVM_OP_V_CNDMASK, Format::Vop3, false},
    {"v_add_f32", VSVM_OP_V_ADD_F32, Format::Vop2, true},
    {"v_sub_f32", VSVM_OP_V_SUB_F32, Format::Vop2, true},
    {"v_mul_f32", VSVM_OP_V_MUL_F32, Format::Vop2, true},
    {"v_div_f32", VSVM_OP_V_DIV_F32, Format::Vop2, true},
    {"v_min_f32", VSVM_OP_V_MIN_F32, Format::Vop2, true},
    {"v_max_f32", VSVM_OP_V_MAX_F32, Format::Vop2, true},
    {"v_mac_f32", VSVM_OP_V_MAC_F32, Format::Vop2, true},
    {"v_sqrt_f32", VSVM_OP_V_SQRT_F32, Format::Vop1, true},

    {"v_load_u8", VSVM_OP_V_LOAD_U8, Format::VmemLoad, false},
    {"v_load_u16", VSVM_OP_V_LOAD_U16, Format::VmemLoad, false},
    {"v_load_u32", VSVM_OP_V_LOAD_U32, Format::VmemLoad, false},
    {"v_load_u64", VSVM_OP_V_LOAD_U64, Format::VmemLoad, false},
    {"v_load_i8", VSVM_OP_V_LOAD_I8, Format::VmemLoad, false},
    {"v_load_i16", VSVM_OP_V_LOAD_I16, Format::VmemLoad, false},
    {"v_load_i32", VSVM_OP_V_LOAD_I32, Format::VmemLoad, false},
    {"v_store_b8", VSVM_OP_V_STORE_B8, Format::VmemStore, false},
    {"v_store_b16", VSVM_OP_V_STORE_B16, Format::VmemStore, false},
    {"v_store_b32", VSVM_OP_V_STORE_B32, Format::VmemStore, false},
    {"v_store_b64", VSVM_OP_V_STORE_B64, Format::VmemStore, false},

    {"s_load_u32", VSVM_OP_S_LOAD_U32, Format::SmemLoad, false},
    {"s_load_u64", VSVM_OP_S_LOAD_U64, Format::SmemLoad, false},
    {"s_store_b32", VSVM_OP_S_STORE_B32, Format::SmemStore, false},
    {"s_store_b64", VSVM_OP_S_STORE_B64, Format::SmemStore, false},

    // Version 2 (uapi/vsvm_isa.h, "v2").
    {"v_cvt_f32_u64", VSVM_OP_V_CVT_F32_U64, Format::Vop1, false, 2},
    {"v_cvt_f32_i64", VSVM_OP_V_CVT_F32_I64, Format::Vop1, false, 2},
    {"v_cvt_u64_f32", VSVM_OP_V_CVT_U64_F32, Format::Vop1, true, 2},
    {"v_cvt_i64_f32", VSVM_OP_V_CVT_I64_F32, Format::Vop1, true, 2},
    {"v_fma_f32", VSVM_OP_V_FMA_F32, Format::Vop2, true, 2},
    {"v_floor_f32", VSVM_OP_V_FLOOR_F32, Format::Vop1, true, 2},
    {"v_ceil_f32", VSVM_OP_V_CEIL_F32, Format::Vop1, true, 2},
    {"v_trunc_f32", VSVM_OP_V_TRUNC_F32, Format::Vop1, true, 2},
    {"v_rint_f32", VSVM_OP_V_RINT_F32, Format::Vop1, true, 2},
    {"v_clz_b32", VSVM_OP_V_CLZ_B32, Format::Vop1, false, 2},
    {"v_clz_b64", VSVM_OP_V_CLZ_B64, Format::Vop1, false, 2},
    {"v_popc_b32", VSVM_OP_V_POPC_B32, Format::Vop1, false, 2},
    {"v_popc_b64", VSVM_OP_V_POPC_B64, Format::Vop1, false, 2},
    {"v_ctz_b32", VSVM_OP_V_CTZ_B32, Format::Vop1, false, 2},
    {"v_ctz_b64", VSVM_OP_V_CTZ_B64, Format::Vop1, false, 2},
    {"v_div_i32", VSVM_OP_V_DIV_I32, Format::Vop2, false, 2},
    {"v_rem_i32", VSVM_OP_V_REM_I32, Format::Vop2, false, 2},
    {"v_div_i64", VSVM_OP_V_DIV_I64, Format::Vop2, false, 2},
    {"v_rem_i64", VSVM_OP_V_REM_I64, Format::Vop2, false, 2},
    {"v_mulhi_u32", VSVM_OP_V_MULHI_U32, Format::Vop2, false, 2},
    {"v_mulhi_i32", VSVM_OP_V_MULHI_I32, Format::Vop2, false, 2},
    {"v_mulhi_u64", VSVM_OP_V_MULHI_U64, Format::Vop2, false, 2},
    {"v_mulhi_i64", VSVM_OP_V_MULHI_I64, Format::Vop2, false, 2},
    {"v_lds_load_u8", VSVM_OP_V_LDS_LOAD_U8, Format::VmemLoad, false, 2},
    {"v_lds_load_u16", VSVM_OP_V_LDS_LOAD_U16, Format::VmemLoad, false, 2},
    {"v_lds_load_u32", VSVM_OP_V_LDS_LOAD_U32, Format::VmemLoad, false, 2},
    {"v_lds_load_u64", VSVM_OP_V_LDS_LOAD_U64, Format::VmemLoad, false, 2},
    {"v_lds_load_i8", VSVM_OP_V_LDS_LOAD_I8, Format::VmemLoad, false, 2},
    {"v_lds_load_i16", VSVM_OP_V_LDS_LOAD_I16, Format::VmemLoad, false, 2},
    {"v_lds_load_i32", VSVM_OP_V_LDS_LOAD_I32, Format::VmemLoad, false, 2},
    {"v_lds_store_b8", VSVM_OP_V_LDS_STORE_B8, Format::VmemStore, false, 2},
    {"v_lds_store_b16", VSVM_OP_V_LDS_STORE_B16, Format::VmemStore, false, 2},
    {"v_lds_store_b32", VSVM_OP_V_LDS_STORE_B32, Format::VmemStore, false, 2},
    {"v_lds_store_b64", VSVM_OP_V_LDS_STORE_B64, Format::VmemStore, false, 2},
};

struct Named {
    std::string_view name;
    int value;
};

constexpr Named kCmpTypes[] = {
    {"u32", VSVM_CMP_U32}, {"i32", VSVM_CMP_I32}, {"u64", VSVM_CMP_U64},
    {"i64", VSVM_CMP_I64}, {"f32", VSVM_CMP_F32},
};

constexpr Named kConds[] = {
    {"eq", VSVM_COND_EQ}, {"ne", VSVM_COND_NE}, {"lt", VSVM_COND_LT},
    {"le", VSVM_COND_LE}, {"gt", VSVM_COND_GT}, {"ge", VSVM_COND_GE},
};

constexpr Named kAtomicOps[] = {
    {"add", VSVM_ATOMIC_ADD},     {"min_u", VSVM_ATOMIC_MIN_U}, {"max_u", VSVM_ATOMIC_MAX_U},
    {"min_i", VSVM_ATOMIC_MIN_I}, {"max_i", VSVM_ATOMIC_MAX_I}, {"and", VSVM_ATOMIC_AND},
    {"or", VSVM_ATOMIC_OR},       {"xor", VSVM_ATOMIC_XOR},     {"xchg", VSVM_ATOMIC_XCHG},
    {"cmpxchg", VSVM_ATOMIC_CMPXCHG},
};

// Opcodes are 8 bits; the compares (8 * type + cond) and atomics (op < 16)
// stay within their documented blocks.
constexpr int kCmpTypeStride = 8;

Table::Table()
{
    auto add = [this](std::string name, int opcode, Format format, bool floatSources, std::uint8_t version = 1,
                      std::int32_t immSelector = -1) {
        names.push_back(std::move(name));
        rows.push_back(
            {names.back(), static_cast<std::uint8_t>(opcode), format, floatSources, version, immSelector});
    };
    for (const InstructionInfo& row : kNamed)
        rows.push_back(row);
    for (const Named& type : kCmpTypes)
        for (const Named& cond : kConds)
            add(fmt::format("v_cmp_{}_{}", cond.name, type.name),
                VSVM_OP_V_CMP_BASE + kCmpTypeStride * type.value + cond.value, Format::Vopc,
                type.value == VSVM_CMP_F32);
    for (const Named& op : kAtomicOps) {
        add(fmt::format("v_atomic_{}_b32", op.name), VSVM_OP_V_ATOMIC32_BASE + op.value,
            Format::Vatomic, false);
        add(fmt::format("v_atomic_{}_b64", op.name), VSVM_OP_V_ATOMIC64_BASE + op.value,
            Format::Vatomic, false);
        add(fmt::format("v_lds_atomic_{}_b32", op.name), VSVM_OP_V_LDS_ATOMIC32_BASE + op.value,
            Format::Vatomic, false, 2);
        // v3: one opcode for the 64-bit LDS atomics, the operation in imm.
        add(fmt::format("v_lds_atomic_{}_b64", op.name), VSVM_OP_V_LDS_ATOMIC64, Format::LdsAtomic64, false, 3,
            op.value);
    }
    std::sort(rows.begin(), rows.end(), [](const InstructionInfo& a, const InstructionInfo& b) {
        return a.opcode != b.opcode ? a.opcode < b.opcode : a.immSelector < b.immSelector;
    });
    for (const InstructionInfo& row : rows) {
        if (row.immSelector >= 0)
            selected.push_back(&row);
        else
            byOpcode[row.opcode] = &row;
    }
}

const Table& table()
{
    static const Table instance;
    return instance;
}

constexpr Slot kSoppBranch[] = {{Field::Imm, Operand::Label, "label"}};
constexpr Slot kSoppCbranch[] = {{Field::A, Operand::Scalar, "A"}, {Field::Imm, Operand::Label, "label"}};
constexpr Slot kSop1[] = {{Field::D, Operand::Scalar, "D"}, {Field::A, Operand::ScalarOrLit, "A"}};
constexpr Slot kSop2[] = {{Field::D, Operand::Scalar, "D"},
                          {Field::A, Operand::ScalarOrLit, "A"},
                          {Field::B, Operand::ScalarOrLit, "B"}};
constexpr Slot kVop1[] = {{Field::D, Operand::Vector, "D"}, {Field::A, Operand::Any, "A"}};
constexpr Slot kVop2[] = {{Field::D, Operand::Vector, "D"},
                          {Field::A, Operand::Any, "A"},
                          {Field::B, Operand::Any, "B"}};
constexpr Slot kVop3[] = {{Field::D, Operand::Vector, "D"},
                          {Field::A, Operand::AnyButLit, "A"},
                          {Field::B, Operand::AnyButLit, "B"},
                          {Field::Imm, Operand::SelectMask, "S"}};
constexpr Slot kVopc[] = {{Field::D, Operand::Scalar, "D"},
                          {Field::A, Operand::Any, "A"},
                          {Field::B, Operand::Any, "B"}};
constexpr Slot kVmemLoad[] = {{Field::D, Operand::Vector, "D"},
                              {Field::A, Operand::VectorOrScalar, "A"},
                              {Field::Imm, Operand::Offset, "offset"}};
constexpr Slot kVmemStore[] = {{Field::A, Operand::VectorOrScalar, "A"},
                               {Field::B, Operand::VectorOrScalar, "B"},
                               {Field::Imm, Operand::Offset, "offset"}};
constexpr Slot kVatomic[] = {{Field::D, Operand::Vector, "D"},
                             {Field::A, Operand::VectorOrScalar, "A"},
                             {Field::B, Operand::VectorOrScalar, "B"},
                             {Field::Imm, Operand::Offset, "offset"}};
constexpr Slot kLdsAtomic64[] = {{Field::D, Operand::Vector, "D"},
                                 {Field::A, Operand::VectorOrScalar, "A"},
                                 {Field::B, Operand::VectorOrScalar, "B"},
                                 {Field::Imm, Operand::ShortOffset, "offset"}};
constexpr Slot kSmemLoad[] = {{Field::D, Operand::ScalarNotExec, "D"},
                              {Field::A, Operand::Scalar, "A"},
                              {Field::Imm, Operand::Offset, "offset"}};
constexpr Slot kSmemStore[] = {{Field::A, Operand::Scalar, "A"},
                               {Field::B, Operand::Scalar, "B"},
                               {Field::Imm, Operand::Offset, "offset"}};

bool isScalar(unsigned code)
{
    return code < VSVM_ISA_NUM_SREGS || code == VSVM_ISA_OP_EXEC;
}

bool isVector(unsigned code)
{
    return code >= VSVM_ISA_OP_VREG(0) && code < VSVM_ISA_OP_VREG(VSVM_ISA_NUM_VREGS);
}

} // namespace

std::span<const InstructionInfo> instructions()
{
    return table().rows;
}

const InstructionInfo* findInstruction(std::uint8_t opcode)
{
    return table().byOpcode[opcode];
}

const InstructionInfo* findInstruction(std::uint8_t opcode, std::uint32_t imm)
{
    if (const InstructionInfo* row = table().byOpcode[opcode])
        return row;
    auto selector = static_cast<std::int32_t>(imm >> VSVM_ISA_LDS_ATOMIC64_OP_SHIFT);
    for (const InstructionInfo* row : table().selected)
        if (row->opcode == opcode && row->immSelector == selector)
            return row;
    return nullptr;
}

const InstructionInfo* findInstruction(std::string_view mnemonic)
{
    for (const InstructionInfo& row : table().rows)
        if (row.mnemonic == mnemonic)
            return &row;
    return nullptr;
}

namespace detail {

const FormatSpec& formatSpec(Format format)
{
    static const FormatSpec kSopp{};
    static const FormatSpec kSpecs[] = {
        kSopp,        {kSoppBranch}, {kSoppCbranch}, {kSop1},      {kSop2},
        {kVop1},      {kVop2},       {kVop3},        {kVopc},      {kVmemLoad},
        {kVmemStore}, {kVatomic},    {kSmemLoad},    {kSmemStore}, {kLdsAtomic64},
    };
    return kSpecs[static_cast<std::size_t>(format)];
}

bool acceptsCode(Operand operand, unsigned code)
{
    switch (operand) {
    case Operand::Scalar:
    case Operand::SelectMask:
        return isScalar(code);
    case Operand::ScalarNotExec:
        return code < VSVM_ISA_NUM_SREGS;
    case Operand::Vector:
        return isVector(code);
    case Operand::ScalarOrLit:
        return isScalar(code) || code == VSVM_ISA_OP_LIT;
    case Operand::Any:
        return isScalar(code) || isVector(code) || code == VSVM_ISA_OP_LIT || code == VSVM_ISA_OP_LANEID;
    case Operand::AnyButLit:
        return isScalar(code) || isVector(code) || code == VSVM_ISA_OP_LANEID;
    case Operand::VectorOrScalar:
        return isScalar(code) || isVector(code);
    case Operand::Label:
    case Operand::Offset:
    case Operand::ShortOffset:
        break;
    }
    return false;
}

bool isValid(const InstructionInfo& info, const Fields& fields)
{
    bool usesD = false, usesA = false, usesB = false, usesImm = false;
    for (const Slot& slot : formatSpec(info.format).slots) {
        switch (slot.field) {
        case Field::D:
            usesD = true;
            break;
        case Field::A:
            usesA = true;
            break;
        case Field::B:
            usesB = true;
            break;
        case Field::Imm:
            usesImm = true;
            if (slot.operand == Operand::SelectMask &&
                ((fields.imm & ~0xffu) != 0 || !acceptsCode(Operand::SelectMask, fields.imm & 0xff)))
                return false;
            if (slot.operand == Operand::ShortOffset &&
                static_cast<std::int64_t>(fields.imm >> VSVM_ISA_LDS_ATOMIC64_OP_SHIFT) != info.immSelector)
                return false;
            continue;
        }
        if (!acceptsCode(slot.operand, fieldValue(fields, slot.field)))
            return false;
    }
    if ((!usesD && fields.d) || (!usesA && fields.a) || (!usesB && fields.b))
        return false;
    // "literal or 0": imm is free only when a source is the literal.
    bool hasLiteral = fields.a == VSVM_ISA_OP_LIT || fields.b == VSVM_ISA_OP_LIT;
    return usesImm || hasLiteral || fields.imm == 0;
}

} // namespace detail
} // namespace vsvm::isa
