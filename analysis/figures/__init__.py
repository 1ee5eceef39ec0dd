"""Floor 4, figures: style and fonts, saving with provenance, one module per figure family.

Each family pairs with the statistic it draws: :mod:`.overview`,
:mod:`.tfidf` (top terms) and :mod:`.wordclouds`, :mod:`.keyness`,
:mod:`.timeline`, :mod:`.similarity`, :mod:`.phrases`. :mod:`.style` and
:mod:`.fonts` make them fit a paper with Chinese that renders;
:mod:`.save` writes them with their data and a manifest entry; :mod:`.explorer` writes
the interactive term explorer, one offline HTML page.
"""

from .coding import plot_category_periods, plot_category_rates
from .collocations import collocations_drawn, plot_collocations
from .cowords import coword_layout, plot_cowords
from .explorer import explorer_data, explorer_html, save_explorer, show_explorer
from .keyness import keyness_drawn, plot_keyness
from .overview import plot_documents_per_period
from .phrases import plot_phrase_diffusion
from .save import save_figure
from .similarity import plot_similarity_heatmap
from .style import DOUBLE_COLUMN, SINGLE_COLUMN, paper_style
from .tfidf import plot_top_terms
from .timeline import plot_timeline
from .topics import (
    plot_topic_contrasts,
    plot_topic_sweep,
    plot_topic_terms,
    plot_topic_time,
    topic_contrasts_drawn,
    topic_time_drawn,
)
from .wordclouds import plot_wordclouds, wordcloud_image

__all__ = ["DOUBLE_COLUMN", "SINGLE_COLUMN", "keyness_drawn", "paper_style",
           "plot_documents_per_period", "plot_keyness", "plot_phrase_diffusion",
           "plot_similarity_heatmap", "plot_timeline", "plot_top_terms", "plot_wordclouds",
           "save_figure", "wordcloud_image"]
__all__ += ["explorer_data", "explorer_html", "save_explorer", "show_explorer"]
__all__ += ["plot_topic_contrasts", "plot_topic_sweep", "plot_topic_terms", "plot_topic_time",
            "topic_contrasts_drawn", "topic_time_drawn"]
__all__ += ["collocations_drawn", "coword_layout", "plot_category_periods",
            "plot_category_rates", "plot_collocations", "plot_cowords"]
