# FlowPay production image: Remix (classic compiler) served by remix-serve on Node 20, with an
# embedded libSQL database file on the /data volume.
#
#   docker build -t flowpay .
#   docker run -p 127.0.0.1:3000:3000 -v flowpay-data:/data \
#     -e SESSION_SECRET=... -e ENCRYPTION_KEYS=k1:<base64 of 32 bytes> flowpay
#
# The server build validates configuration, applies db/migrations and only then listens, so
# there is no separate migrate step; /ready answers 200 once that is done.

# ---- build: all dependencies (dev included), then `remix build` -----------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The operator CLI (`npm run flowpay -- …`, run by tsx, a production dependency) needs the
# TypeScript sources it imports at run time: stage them for the runtime image.
# FLOWPAY_RUNTIME=deno also ships Deno's binary (≈95 MB, from the `deno` npm package) so the
# image can serve on Deno's own server (ADR 045); the default image stays Node-only.
ARG FLOWPAY_RUNTIME=node
RUN npm run build \
 && mkdir -p /out/cli /out/runtime \
 && if [ "$FLOWPAY_RUNTIME" = deno ]; then cp node_modules/deno/deno /out/runtime/deno; fi \
 && cp -r tsconfig.json app db scripts /out/cli/ \
 && for d in adapters jobs; do if [ -d "$d" ]; then cp -r "$d" /out/cli/; fi; done

# ---- runtime: production dependencies + the build, non-root --------------------------------
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    FLOWPAY_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=file:/data/flowpay.db \
    DATA_DIR=/data
# Production dependencies only: no deno, no esbuild-for-remix, no Playwright. The lockfile's
# native @libsql binary ships inside its npm package, so nothing is compiled or downloaded; so
# does Litestream's (@flydotio/litestream-linux-x64, ADR 041).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
# The operator CLI's sources (they include db/migrations, which the server reads from
# process.cwd()/db/migrations), then the server build and the browser assets (public/build is
# written by `remix build`).
COPY --from=build /out/cli/ ./
COPY --from=build /app/build ./build
COPY --from=build /app/public ./public
# Empty unless built with FLOWPAY_RUNTIME=deno.
COPY --from=build /out/runtime/ /usr/local/bin/
# The app files stay root-owned (read-only for the server); only /data is writable.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# Without LITESTREAM_REPLICA_URL the entrypoint execs CMD unchanged, so Node is PID 1 (no npm
# wrapper; the shell replaces itself) and SIGTERM reaches the server: remix-serve closes the
# listener and FlowPay's boot hook drains in-flight requests, closes the database, exits 0.
# With it, `litestream replicate -exec "<CMD>"` is PID 1, streams the WAL to the replica and
# forwards SIGTERM to the server (ADR 041; README "Backups and recovery").
ENTRYPOINT ["/bin/sh", "/app/db/replication/entrypoint.sh"]
CMD ["node", "node_modules/@remix-run/serve/dist/cli.js", "build/index.js"]
