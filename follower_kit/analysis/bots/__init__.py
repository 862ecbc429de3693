"""Bot scores with reasons a person can check, bot kinds, trainable models and their evaluation.

* :mod:`.model`: :func:`score_bots`, the kit's one bot score: the shipped kind model
  (``follower_kit/models/default.json``), one specialised classifier per bot kind, per field
  combination a source carries, plus the behaviour rules when tweets or follower lists are given.
* :mod:`.rules`: the hand-set rules (:func:`default_score`, the fallback without a model) and the
  plain-words reasons (:func:`explain`).
* :mod:`.classifier`: :class:`BotClassifier`, a scikit-learn estimator users fit on their own
  labels, saved as JSON.
* :mod:`.linear`: the scikit-learn Pipeline both trained scores use, and its JSON state.
* :mod:`.trees`: gradient-boosted trees as JSON node arrays, scored with numpy (the shipped
  model blends them with the kind classifiers).
* :mod:`.peer`: the BotometerLite peer (Yang et al. 2020).
* :mod:`.evaluate`: ROC/PR AUC, block-list precision, leave one data set out, the block threshold.
"""

from .classifier import (MODEL_FORMAT, MODEL_FORMAT_VERSION, OPTIONAL_FEATURES,  # noqa: F401
                         BotClassifier, load_model, model_card, save_model)
from .evaluate import (FAKE_FOLLOWER_SETS, MIXED_SETS, auc_difference,  # noqa: F401
                       auc_difference_draws, block_metrics, calibration_error,
                       choose_block_threshold, choose_bot_threshold, evaluate, join_sets,
                       leave_one_dataset_out, lodo_matrix, lodo_scores, lodo_table,
                       nested_block_choice, nested_bot_choice, overlap, threshold_costs,
                       train_with_evidence)
from .model import (BLOCK_KINDS, DATA_SELECTION, KIND_WORDS, KINDS, RULES_WEIGHT,  # noqa: F401
                    SELECTION_RECHECK,
                    TRAINING_KINDS, BotModel, available_groups, block_evidence,
                    block_evidence_at, block_people_curve, blockable,
                    default_model, fit_bot_model, flag_evidence, kind_labels, kind_weights,
                    load_bot_model, model_card_text, model_for, people_share_at, rules_prior,
                    save_bot_model, score_bots, training_sets, tree_importance)
from .peer import (BOTOMETER_LITE_COLUMNS, BotometerLite, botometer_lite_features,  # noqa: F401
                   botometer_lite_forest)
from .rules import (DEFAULT_CALIBRATION, DEFAULT_RULES, REASON_OF, Rule,  # noqa: F401
                    _no_profile, bot_features, default_score, explain, fit_default_calibration,
                    rule_contributions)
