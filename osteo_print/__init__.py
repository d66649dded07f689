"""osteo-print: plain-language osteoporosis handouts and quizzes as print-ready PDFs."""

__version__ = "0.2.0"
