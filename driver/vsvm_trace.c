// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trace events of DOC: Tracepoints, instantiated once.
 *
 * Copyright (c) 2026 The vsvm authors
 */

#define CREATE_TRACE_POINTS
#include "vsvm_trace.h"
