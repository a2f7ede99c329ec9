// The report writers of the continual benchmark (DESIGN §8): Markdown
// tables, a self-contained HTML report with inline SVG plots, and a progress
// indicator.
#pragma once

#include <galt/report/html_report.h>
#include <galt/report/markdown.h>
#include <galt/report/progress.h>
