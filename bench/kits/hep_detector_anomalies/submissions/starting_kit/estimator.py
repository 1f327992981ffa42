from sklearn.ensemble import HistGradientBoostingClassifier


def get_estimator():
    return HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0)
