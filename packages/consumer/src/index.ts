// @kf/consumer has no public API yet. It will hold createNode(conf, topics): the organiser, the workers, completion and recovery over Redis, and the Kafka access port on kafkajs.
// Until that code lands and is tested against real servers, nothing is exported.
export {};
