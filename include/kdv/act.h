/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: journal and Prometheus writers. */
#pragma once
#include "kdv/report.h"
