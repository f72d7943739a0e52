package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.LateArrival;
import io.mmstream.align.ModalEvent;
import io.mmstream.codec.Decoded;
import io.mmstream.job.sink.KeyedBytes;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

/** The records that cross operators are serialized field by field by Flink, never through the generic Kryo fallback. */
class FlinkTypesTest {

    @Test
    void recordsBetweenOperatorsAreFlinkPojos() {
        for (Class<?> type : new Class<?>[] {Decoded.class, ModalEvent.class, LateArrival.class, KeyedBytes.class}) {
            assertThat(TypeInformation.of(type)).as(type.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
        }
    }
}
