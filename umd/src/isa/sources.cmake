# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The vsvm authors

# The assembler and disassembler: part of libvsvm, and built on their own by
# the fuzzing project (tests/fuzz), which needs no libdrm.
set(VSVM_ISA_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/assembler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/disassembler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signature.cpp
  ${CMAKE_CURRENT_LIST_DIR}/syntax.cpp
  ${CMAKE_CURRENT_LIST_DIR}/table.cpp
)
