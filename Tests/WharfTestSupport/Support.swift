public enum WharfTestSupport {}
