#!/bin/sh
# A deploy hook for `npm run readiness -- --deploy-hook "sh test/integration/readiness/deploy-hook.sh"`:
# the hook contract is `<command> deploy|rollback|status --json …`, which this repo's deploy CLI
# takes as it is. VDB_STACK_DIR says which local stack.
here=$(cd "$(dirname "$0")/../../.." && pwd)
exec "$here/node_modules/.bin/tsx" "$here/src/cli/deploy.ts" "$@"
