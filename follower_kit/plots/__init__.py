"""Plot functions, seaborn-style: ``f(data, *, column=..., ax=None, **kwargs) -> Axes``.

Data first, keyword-only column names, draw on the given ``ax`` (or the current one), return it;
never show or save. Computation lives in ``follower_kit.analysis``. Each area keeps its plots in a
module of this package; the names below are the public set.
"""

from __future__ import annotations
from .bots import bot_block_people, bot_feature_importance, bot_pr_curves, bot_roc_curves, bot_score_histogram, bot_threshold_costs  # noqa: F401,E501
from ._style import apply_fonts, safe_text, style  # noqa: F401
from .growth import account_age_plot, activity_heatmap_plot, estimated_growth_plot, follower_factory_plot, follower_growth_plot  # noqa: F401,E501
from .growth import FACTORY_TITLE, factory_chart  # noqa: F401
from .topics import audience_map, segment_bars  # noqa: F401
from .audience import comparison_grid, competitor_bars, country_map, growth_compare  # noqa: F401
from .audience import item_bars, mix_bars, overlap_upset, reading_bars, share_bars  # noqa: F401
from .crossnet import network_growth_plot  # noqa: F401
