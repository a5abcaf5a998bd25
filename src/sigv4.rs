//! AWS Signature Version 4. PLACEHOLDER: replaced by the sigv4 work.
