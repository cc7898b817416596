# btfs-ts daemon. Build: docker build -t btfs-ts .
# Run:   docker run -e BTFS_TS_API_TOKEN=$(openssl rand -hex 16) -p 5001:5001 -p 4001:4001 -v btfs:/data btfs-ts
FROM node:20-bookworm-slim

# toolchain for native addons built by node-gyp during npm ci
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# the same install step as .ci/run; `prepare` compiles TypeScript, `postinstall` applies patches/
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

ENV BTFS_TS_PATH=/data
VOLUME /data
EXPOSE 4001 5001
ENTRYPOINT ["/app/docker/entrypoint.sh"]
