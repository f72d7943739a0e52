package io.mmstream.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * Recent windows' embeddings in an in-memory Lucene index, searched by vector similarity through Lucene's HNSW graph
 * (approximate nearest neighbours, the same structure behind Elasticsearch's and OpenSearch's kNN search). Lucene
 * because it is maintained by the Apache Software Foundation, on Maven Central, pure Java (Java 11 and up for 9.x),
 * and holds the vectors with the stored fields in one index; a real deployment points the same code at a directory
 * on disk. Cosine similarity: the window embeddings and the text model's are unit vectors.
 */
public final class WindowIndex implements AutoCloseable {

    /** A window found, with its cosine similarity to the query. */
    public record Hit(String streamId, long startMicros, long endMicros, float similarity) {}

    private static final String VECTOR = "embedding";
    private static final int CANDIDATES = 100;
    private final ByteBuffersDirectory directory = new ByteBuffersDirectory();
    private final IndexWriter writer;
    private final int dimension;
    /** Per stream, each window's embedding by its start, for a query by example. */
    private final Map<String, TreeMap<Long, float[]>> byStream = new HashMap<>();
    private final Map<String, Long> windowLength = new HashMap<>();

    public WindowIndex(int dimension) throws IOException {
        this.dimension = dimension;
        this.writer = new IndexWriter(directory, new IndexWriterConfig());
    }

    public void add(String streamId, long startMicros, long endMicros, float[] embedding) throws IOException {
        if (embedding.length != dimension) {
            throw new IllegalArgumentException("window " + streamId + "@" + startMicros + ": embedding of " + embedding.length
                    + " values, the index holds " + dimension);
        }
        Document document = new Document();
        document.add(new KnnFloatVectorField(VECTOR, embedding, VectorSimilarityFunction.COSINE));
        document.add(new StoredField("stream", streamId));
        document.add(new StoredField("start", startMicros));
        document.add(new StoredField("end", endMicros));
        writer.addDocument(document);
        byStream.computeIfAbsent(streamId, s -> new TreeMap<>()).put(startMicros, embedding);
        windowLength.put(streamId, endMicros - startMicros);
    }

    public int size() {
        return writer.getDocStats().numDocs;
    }

    /** The k windows most like the query vector, best first. */
    public List<Hit> search(float[] query, int k) throws IOException {
        List<Hit> hits = new ArrayList<>();
        if (size() == 0) {
            return hits;
        }
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            // the graph is explored for more candidates than asked for (Elasticsearch's num_candidates): more of the
            // true nearest are found, at a cost that grows with the candidates, not with the index
            KnnFloatVectorQuery nearest = new KnnFloatVectorQuery(VECTOR, query, Math.max(k, CANDIDATES));
            for (ScoreDoc found : searcher.search(nearest, k).scoreDocs) {
                Document document = searcher.storedFields().document(found.doc);
                // Lucene scores cosine as (1 + cos) / 2: back to the cosine
                hits.add(new Hit(document.get("stream"), document.getField("start").numericValue().longValue(),
                        document.getField("end").numericValue().longValue(), 2 * found.score - 1));
            }
        }
        return hits;
    }

    /** The embedding of the stream's window that starts last at or before the instant and still covers it, or null. */
    public float[] embeddingAt(String streamId, long micros) {
        TreeMap<Long, float[]> windows = byStream.get(streamId);
        if (windows == null) {
            return null;
        }
        Map.Entry<Long, float[]> window = windows.floorEntry(micros);
        return window == null || micros >= window.getKey() + windowLength.get(streamId) ? null : window.getValue();
    }

    @Override
    public void close() throws IOException {
        writer.close();
        directory.close();
    }
}
