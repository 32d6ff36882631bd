#!/bin/sh
# A deploy hook for `npm run readiness -- --deploy-hook "sh test/integration/readiness/deploy-hook.sh"`:
# the hook contract is `<command> deploy|rollback|status --json …`; this repo's deploy CLI takes the
# deploy action without a word (`npm run deploy -- --json …`), so the word is dropped here.
# VDB_STACK_DIR says which local stack.
[ "$1" = deploy ] && shift
here=$(cd "$(dirname "$0")/../../.." && pwd)
exec "$here/node_modules/.bin/tsx" "$here/src/cli/deploy.ts" "$@"
