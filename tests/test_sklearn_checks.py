"FSAClassifier and FSARegressor pass scikit-learn's own estimator checks."
from sklearn.utils.estimator_checks import parametrize_with_checks

from genprune_nb.fsa import FSAClassifier, FSARegressor


def expected_failures(estimator):
    if isinstance(estimator, FSAClassifier) and estimator.k == 0.5:
        # check_classifiers_train asks for training accuracy > 0.83 on make_blobs with 2 features. The default
        # k=0.5 makes FSA keep 1 of those 2 features, which is what it is asked to do, and then the blobs score about
        # 0.65. The same check passes on FSAClassifier(k=1.0) below, so the estimator itself trains correctly.
        reason = 'default k=0.5 keeps 1 of the 2 features of the check data (passes with k=1.0)'
        return {'check_classifiers_train': reason}
    return {}


ESTIMATORS = [FSAClassifier(n_iter=50), FSAClassifier(k=1.0, n_iter=50), FSAClassifier(k=1.0, n_iter=50, loss='logistic'),
              FSARegressor(n_iter=50)]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
