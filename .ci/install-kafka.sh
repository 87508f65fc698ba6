#!/bin/sh
# Fetches the Apache Kafka broker jars into .local/kafka-dist/ once (Java 17+ and Maven needed),
# so that the e2e tests' broker start does not include the download.
set -eu
cd "$(dirname "$0")/.."
node local/services/bootstrap.mjs tsx -e "import('./local/services/kafka/broker.ts').then(async (m) => console.log('Kafka jars in', await m.ensureKafkaJars()))"
