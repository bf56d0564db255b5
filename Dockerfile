# veiviser as a container image: the binary only, on a minimal base.
#
#   docker build -t veiviser .
#   docker run --rm -v "$PWD:/site" -u "$(id -u):$(id -g)" veiviser build
#   docker run --rm -v "$PWD:/site" -p 1111:1111 veiviser serve --bind 0.0.0.0
#
# The default theme and the `veiviser init` starter sites are compiled into the binary, so the
# image needs nothing else. docs/deploy.md has the check to run after changing this file.

# Build stage: the toolchain and the crate's locked dependencies.
FROM rust:1.88-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin veiviser \
 && strip target/release/veiviser

# Run stage: glibc and libgcc (the binary is linked dynamically against them), no shell.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/veiviser /usr/local/bin/veiviser
WORKDIR /site
EXPOSE 1111
ENTRYPOINT ["/usr/local/bin/veiviser"]
CMD ["build"]
