#!/usr/bin/env bash
# ci-capture.sh - runs `coredelta capture --diff` for a CI job: the GitHub composite action
# (action.yml) and the GitLab CI template (recipes/coredelta-capture.gitlab-ci.yml) both call it.
#
# Inputs (environment):
#   INPUT_PROGRAM        the program's command line (shell words; required)
#   INPUT_FILTERS        coredump_filter values, comma-separated (default 0x33)
#   INPUT_READY_LINE     regex on the program's stdout that says it is ready
#   INPUT_READY_FILE     a file whose existence says it is ready
#   INPUT_AFTER          seconds after the start (default 2 when no readiness is given)
#   INPUT_GDB_SETTINGS   GDB commands run before gcore, one per line ('set use-coredump-filter off')
#   INPUT_OUT            folder for the captures and reports (default coredelta-capture)
#   INPUT_TIMEOUT        seconds per step (default 60)
#   INPUT_FAIL_ON_DIFFERENCE  true (default): exit 1 when a pair is not in parity
#   COREDELTA_DENO       how to run deno (default: deno if on PATH, else npx -y deno@2)
# Outputs: verdict (pass|fail|error), junit, markdown, out-dir in $GITHUB_OUTPUT when set; the
# Markdown report appended to $GITHUB_STEP_SUMMARY when set. Exit: 0 pass, 1 fail, 2 error.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${INPUT_OUT:-coredelta-capture}"
junit="$out/report.xml"
markdown="$out/summary.md"

if [ -n "${COREDELTA_DENO:-}" ]; then
  read -r -a deno <<<"$COREDELTA_DENO"
elif command -v deno >/dev/null 2>&1; then
  deno=(deno)
else
  deno=(npx -y deno@2)
fi

args=(capture --filters "${INPUT_FILTERS:-0x33}" --out "$out" --timeout "${INPUT_TIMEOUT:-60}"
  --diff --format junit -o "$junit" --format md -o "$markdown")
if [ -n "${INPUT_READY_LINE:-}" ]; then
  args+=(--ready-line "$INPUT_READY_LINE")
elif [ -n "${INPUT_READY_FILE:-}" ]; then
  args+=(--ready-file "$INPUT_READY_FILE")
else
  args+=(--after "${INPUT_AFTER:-2}")
fi
while IFS= read -r setting; do
  [ -n "${setting// /}" ] && args+=(--gdb-setting "$setting")
done <<<"${INPUT_GDB_SETTINGS:-}"

if [ -z "${INPUT_PROGRAM:-}" ]; then
  echo "coredelta capture: the program input is empty" >&2
  rc=2
else
  # The program line is the job author's own shell words (quotes allowed), split like a shell would.
  eval "set -- $INPUT_PROGRAM"
  mkdir -p "$out"
  "${deno[@]}" run -A --config "$root/deno.json" "$root/main.ts" "${args[@]}" -- "$@"
  rc=$?
fi

case "$rc" in
  0) verdict=pass ;;
  1) verdict=fail ;;
  *) verdict=error ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "verdict=$verdict"
    echo "junit=$junit"
    echo "markdown=$markdown"
    echo "out-dir=$out"
  } >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -s "$markdown" ] && [ "$verdict" != error ]; then
    cat "$markdown" >>"$GITHUB_STEP_SUMMARY"
  else
    printf '## coredelta capture: error (exit %s)\n\nSee the job log for the message and its fix.\n' \
      "$rc" >>"$GITHUB_STEP_SUMMARY"
  fi
fi
echo "coredelta capture: verdict $verdict (reports: $junit, $markdown)" >&2
if [ "$verdict" = fail ] && [ "${INPUT_FAIL_ON_DIFFERENCE:-true}" != true ]; then exit 0; fi
exit "$rc"
