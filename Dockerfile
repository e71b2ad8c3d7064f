# Strata in a container: `serve` for the Helm chart's Deployment, `run PLAN` for its CronJobs.
# Two stages: the build has the compiler and dev dependencies, the image only what runs.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
LABEL org.opencontainers.image.title="strata" \
      org.opencontainers.image.description="Backup and disaster recovery for Kubernetes: etcd, control-plane files, API objects, volumes" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Non-root by default (the distroless "nonroot" IDs). The etcd snapshot job of the chart reads
# root-owned PKI through a read-only hostPath and sets its own runAsUser for that.
USER 65532:65532
ENV NODE_ENV=production \
    XDG_CACHE_HOME=/tmp/.cache \
    MALLOC_ARENA_MAX=2
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/dist/src/cli/main.js"]
CMD ["--help"]
