//! Kafka's key partitioner: the partition Java's default partitioner (and librdkafka's
//! `murmur2_random`) gives a key, so the tests can pick keys for given partitions.

use crate::args::{number, Args};
use crate::Failure;
use std::io::Write;

/// `kafka-harness partition-of --partitions N ID...`: one partition per line, in order.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["partitions"])?;
    let partitions: u32 = number(args.required("partitions")?, "partition count")?;
    if partitions == 0 {
        return Err(Failure::Usage(
            "`--partitions` must be at least 1".to_owned(),
        ));
    }
    let mut out = std::io::stdout().lock();
    for id in &args.positional {
        writeln!(out, "{}", partition(id.as_bytes(), partitions)).map_err(Failure::failed)?;
    }
    out.flush().map_err(Failure::failed)
}

/// The partition of `key` among `partitions`, as Kafka's `Utils.toPositive(murmur2(key)) % n`.
pub fn partition(key: &[u8], partitions: u32) -> u32 {
    // Java masks the sign bit off rather than taking the absolute value.
    (murmur2(key) & 0x7fff_ffff) % partitions
}

/// Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), as an unsigned 32-bit value.
pub fn murmur2(data: &[u8]) -> u32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    // Java's int arithmetic wraps and `>>>` is a logical shift, as on u32.
    let mut h = SEED ^ (data.len() as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    // The Java switch falls through from case 3 to case 1.
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if let Some(&first) = tail.first() {
        h ^= u32::from(first);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

#[cfg(test)]
mod tests {
    use super::{murmur2, partition};

    /// Kafka's own vectors (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java,
    /// `testMurmur2`), as Java's signed ints.
    #[test]
    fn kafka_utils_test_vectors() {
        let cases: [(&str, i32); 6] = [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            ("abc", 479_470_107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key.as_bytes()) as i32, expected, "murmur2({key:?})");
        }
    }

    /// librdkafka's vectors (src/rdmurmur2.c, `unittest_murmur2`), which it checks against Java;
    /// they cover every tail length and the empty key.
    #[test]
    fn librdkafka_test_vectors() {
        let unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs";
        let cases: [(&str, u32); 11] = [
            ("kafka", 0xd067_cf64),
            ("giberish123456789", 0x8f55_2b0c),
            ("1234", 0x9fc9_7b14),
            ("234", 0xe7c0_09ca),
            ("34", 0x8739_30da),
            ("4", 0x5a4b_5ca1),
            (unaligned, 0x7842_4f1c),
            (&unaligned[1..], 0x4a62_b377),
            (&unaligned[2..], 0xe0e4_e09e),
            (&unaligned[3..], 0x62b8_b43f),
            ("", 0x106e_08d9),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key.as_bytes()), expected, "murmur2({key:?})");
        }
    }

    /// Records where librdkafka's producer put each key.
    #[derive(Default)]
    struct Placed(std::sync::Mutex<Vec<(String, i32)>>);

    impl rdkafka::ClientContext for Placed {}

    impl rdkafka::producer::ProducerContext for Placed {
        type DeliveryOpaque = ();

        fn delivery(&self, result: &rdkafka::message::DeliveryResult<'_>, _: ()) {
            use rdkafka::Message;
            if let (Ok(message), Ok(mut placed)) = (result, self.0.lock()) {
                let key = String::from_utf8_lossy(message.key().unwrap_or_default());
                placed.push((key.into_owned(), message.partition()));
            }
        }
    }

    /// The point of `partition-of`: it must agree with librdkafka's `murmur2_random`, which the
    /// `produce` subcommand uses, on a real (mock) cluster.
    #[test]
    fn agrees_with_librdkafka() -> Result<(), Box<dyn std::error::Error>> {
        use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
        use std::time::Duration;
        let cluster = rdkafka::mocking::MockCluster::new(1)?;
        cluster.create_topic("keys", 12, 1)?;
        let producer: BaseProducer<Placed> = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", cluster.bootstrap_servers())
            .set("partitioner", "murmur2_random")
            .create_with_context(Placed::default())?;
        let keys: Vec<String> = (0..300)
            .map(|i| format!("journey-end-{i}"))
            .chain((0..300).map(|i| format!("u{i}")))
            .collect();
        for key in &keys {
            let record = BaseRecord::<str, str>::to("keys").key(key).payload("x");
            producer.send(record).map_err(|(error, _)| error)?;
        }
        producer.flush(Duration::from_secs(30))?;
        let placed = producer.context().0.lock().map_err(|_| "poisoned")?.clone();
        assert_eq!(placed.len(), keys.len());
        for (key, actual) in placed {
            assert_eq!(partition(key.as_bytes(), 12) as i32, actual, "key {key:?}");
        }
        Ok(())
    }

    #[test]
    fn partition_masks_the_sign_bit() {
        // murmur2("21") is negative in Java: toPositive gives 0x45f2f8ec = 1173551340.
        assert_eq!(partition(b"21", 1 << 31), 1_173_551_340);
        assert_eq!(partition(b"21", 12), 1_173_551_340 % 12);
        assert_eq!(partition(b"abc", 12), 479_470_107 % 12);
    }
}
