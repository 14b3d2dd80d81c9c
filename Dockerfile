# Berth's container image. Run it as registry:2 is run:
#   docker build -t berth .
#   docker run -d -p 5000:5000 --restart=always -v ./data:/var/lib/registry berth
# The data root is /var/lib/registry and the config /etc/docker/registry/config.yml, as in
# registry:2 (mount your own over it); REGISTRY_* variables override it. See docs/running.md.

# The build stage has the compilers better-sqlite3 may need; none of them reach the image.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` needs the sources, copied below; the one
# dependency with a native build is rebuilt explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
# What .dockerignore lets through: bin, src, ui, tsconfig.json, deploy/container, the addon's
# sources and its build script, and the UI's compression script (`npm run build` runs it).
COPY . .
# The addons (optional: on a failed build the script says so and Berth uses its JS paths); only
# their .node files go to the image, which has no compiler.
RUN npm run build \
 && node scripts/build-native.mjs \
 && mkdir -p /addon/sendfile /addon/direct-write \
 && { cp native/sendfile/build/Release/berth_sendfile.node /addon/sendfile/ 2>/dev/null || true; } \
 && { cp native/direct-write/build/Release/berth_direct_write.node /addon/direct-write/ 2>/dev/null || true; } \
 && npm prune --omit=dev --no-audit --no-fund \
 && find dist -name '*.js.map' -delete \
 && rm -rf dist/test dist/bench node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
      node_modules/better-sqlite3/build/Release/obj node_modules/better-sqlite3/build/Release/obj.target

FROM node:20-bookworm-slim
# A fixed uid, so a host directory can be prepared for it (chown 10001) and `--user 10001` works.
RUN groupadd --system --gid 10001 berth \
 && useradd --system --uid 10001 --gid berth --home-dir /var/lib/registry --no-create-home \
      --shell /usr/sbin/nologin berth \
 && mkdir -p /var/lib/registry /etc/docker/registry \
 && chown berth:berth /var/lib/registry
WORKDIR /opt/berth
COPY --from=build /src/package.json ./
COPY --from=build /src/bin bin
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist/src dist/src
COPY --from=build /addon/sendfile native/sendfile/build/Release
COPY --from=build /addon/direct-write native/direct-write/build/Release
COPY --from=build /src/ui/dist ui/dist
COPY deploy/container/config.yml /etc/docker/registry/config.yml
COPY deploy/container/entrypoint.sh /usr/local/bin/berth-entrypoint
COPY deploy/container/healthcheck.mjs deploy/container/healthcheck.mjs
RUN ln -s /opt/berth/bin/berth.js /usr/local/bin/berth
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="Berth" \
      org.opencontainers.image.description="A container image registry (OCI Distribution 1.1, Docker Registry v2)" \
      org.opencontainers.image.licenses="Apache-2.0"
VOLUME /var/lib/registry
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/opt/berth/deploy/container/healthcheck.mjs"]
ENTRYPOINT ["berth-entrypoint"]
CMD ["serve", "/etc/docker/registry/config.yml"]
