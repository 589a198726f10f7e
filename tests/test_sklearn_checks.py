"FSAClassifier, FSARegressor and ExactlyK pass scikit-learn's own estimator checks, with their defaults and with the options."
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from genprune_nb.fsa.estimators import ExactlyK, FSAClassifier, FSARegressor

ESTIMATORS = [FSAClassifier(), FSARegressor(),
              FSAClassifier(k=1.0, loss='logistic'), FSAClassifier(class_weight='balanced', batch_size=16, n_iter=60),
              FSAClassifier(loss='auto', n_iter=60),
              FSARegressor(lr='lipschitz', momentum=0., warmup=0, n_iter=60),
              ExactlyK(LogisticRegression(l1_ratio=1., solver='saga', max_iter=200, random_state=0), k=1)]


@parametrize_with_checks(ESTIMATORS)
@pytest.mark.filterwarnings('ignore::sklearn.exceptions.ConvergenceWarning')  # saga's iteration budget inside ExactlyK
def test_sklearn_compatible(estimator, check):
    check(estimator)
